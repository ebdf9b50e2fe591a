"""Liveness (the process answers) and readiness (the dialogue, the actions and the backend answer)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.schemas import ErrorResponse
from gateway.services import Gateway


def router(gateway: Gateway) -> APIRouter:
    api = APIRouter(tags=["health"])
    settings, backend = gateway.settings, gateway.backend

    @api.get("/livez")
    async def livez() -> dict[str, str]:
        """Liveness: the process answers (readiness, /healthz, also needs the services behind it)."""
        return {"status": "alive"}

    @api.get("/healthz", responses={503: {"model": ErrorResponse}})
    async def healthz() -> JSONResponse:
        checks = {
            "engine": await gateway.engine.ready(),
            "actions": await _ok(backend, f"{settings.actions_url}/health"),
            "backend": await _ok(backend, f"{settings.backend_url}/healthz"),
        }
        ok = all(checks.values())
        # Voice loading is reported, not required: text chat works without it. So is Redis: without it the
        # rate limits hold per process, and taking every replica out of service would be the bigger harm.
        body: dict[str, Any] = {"status": "ok" if ok else "starting", **checks, "voice": gateway.voice.status}
        if gateway.redis is not None:
            body["redis"] = "ok" if await _pong(gateway.redis) else "unreachable (rate limits per process)"
        body["hotline"] = gateway.hotline_guard.status
        return JSONResponse(body, status_code=200 if ok else 503)

    return api


async def _pong(redis: Any) -> bool:
    try:
        return bool(await redis.ping())
    except Exception:  # any failure to answer means: not ready
        return False


async def _ok(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(url, timeout=3)).status_code == 200
    except httpx.HTTPError:
        return False
