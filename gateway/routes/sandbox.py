"""The sandbox SMS outbox and its test clock (sandbox mode only: the backend answers 404 otherwise)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.errors import GatewayError
from gateway.routes import ERRORS
from gateway.schemas import SandboxPhoneRequest, SandboxRewindRequest
from gateway.services import Gateway
from privacy.numbers import PHONE


def router(gateway: Gateway) -> APIRouter:
    api = APIRouter(tags=["sandbox"])

    async def outbox(path: str, body: dict[str, Any]) -> JSONResponse:
        """The number travels to the backend in the body: every proxy on the way logs URLs."""
        if not PHONE.fullmatch(str(body.get("phone", ""))):
            raise GatewayError(422, "invalid_phone", "phone must be an 11-digit mainland mobile number")
        try:
            response = await gateway.backend.post(path, json=body)
        except httpx.HTTPError as exc:
            raise GatewayError(503, "backend_unavailable", "the account backend is not reachable") from exc
        return JSONResponse(response.json(), status_code=response.status_code)

    @api.get("/api/sandbox/sms/{phone}", responses=ERRORS)
    async def sandbox_sms(phone: str) -> JSONResponse:
        """The last code the sandbox SMS gateway 'sent' to this number (sandbox mode only)."""
        return await outbox("/sandbox/sms", {"phone": phone})

    @api.post("/api/sandbox/sms", responses=ERRORS)
    async def sandbox_sms_by_body(body: SandboxPhoneRequest) -> JSONResponse:
        """The same, with the number in the body: nothing on the way logs it."""
        return await outbox("/sandbox/sms", body.dict())

    @api.post("/api/sandbox/sms/rewind", responses=ERRORS)
    async def sandbox_sms_rewind(body: SandboxRewindRequest) -> JSONResponse:
        """The sandbox's test clock for one number: its codes count as sent `seconds` earlier."""
        return await outbox("/sandbox/sms/rewind", body.dict())

    return api
