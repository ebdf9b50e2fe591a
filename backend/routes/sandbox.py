"""Sandbox-only routes; they answer 404 whenever SANDBOX_MODE is off."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.errors import not_found
from backend.routes import errors, get_services
from backend.schemas import SandboxSmsOut
from backend.services import Services, sandbox

router = APIRouter(prefix="/sandbox", tags=["sandbox"])


@router.get("/sms/{phone}", response_model=SandboxSmsOut, responses=errors(404))
def last_sms(phone: str, ctx: Services = Depends(get_services)) -> SandboxSmsOut:
    return sandbox.last_sms(ctx, phone)


@router.get("/liveness/{session_id}", responses=errors(404))
def liveness_page(session_id: str, ctx: Services = Depends(get_services)) -> dict[str, object]:
    """Stands in for the provider's face-check page: nothing to do, the sandbox decides by ID number."""
    if not ctx.settings.sandbox_mode:
        raise not_found("sandbox session")
    return {"session_id": session_id, "sandbox": True, "message": "Sandbox liveness: no camera needed."}
