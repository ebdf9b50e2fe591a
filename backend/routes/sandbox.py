"""Sandbox-only routes; they answer 404 whenever SANDBOX_MODE is off."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.errors import not_found
from backend.routes import GATEWAY, errors, get_services
from backend.schemas import SandboxPhoneIn, SandboxRewindIn, SandboxRewindOut, SandboxSmsOut
from backend.services import Services, sandbox

# The outbox and its test clock, for the gateway's sandbox routes (the number in the body: a URL is logged
# by every proxy on the way); the liveness page stands in for the provider's page a customer's phone opens,
# so it takes no service token.
router = APIRouter(prefix="/sandbox", tags=["sandbox"], route_class=GATEWAY)
pages = APIRouter(prefix="/sandbox", tags=["sandbox"])


@router.post("/sms", response_model=SandboxSmsOut, responses=errors(404, 422))
def last_sms(body: SandboxPhoneIn, ctx: Services = Depends(get_services)) -> SandboxSmsOut:
    """The last message the sandbox SMS gateway 'sent' to this number."""
    return sandbox.last_sms(ctx, body.phone)


@router.post("/sms/rewind", response_model=SandboxRewindOut, responses=errors(404, 422))
def rewind_sms(body: SandboxRewindIn, ctx: Services = Depends(get_services)) -> SandboxRewindOut:
    """A test clock for one number: its codes count as sent `seconds` earlier (resend interval, expiry and
    the daily limit then behave as if that time had passed), without waiting and without touching others."""
    return sandbox.rewind_sms(ctx, body.phone, body.seconds)


@pages.get("/liveness/{session_id}", responses=errors(404))
def liveness_page(session_id: str, ctx: Services = Depends(get_services)) -> dict[str, object]:
    """Stands in for the provider's face-check page: nothing to do, the sandbox decides by ID number."""
    if not ctx.settings.sandbox_mode:
        raise not_found("sandbox session")
    return {"session_id": session_id, "sandbox": True, "message": "Sandbox liveness: no camera needed."}
