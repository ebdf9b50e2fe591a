"""Liveness (the process answers) and readiness (its database is reachable and migrated): what a process
supervisor, a load balancer and Kubernetes probe."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from backend.db import head_revision
from backend.routes import get_services
from backend.schemas import HealthOut
from backend.services import Services

router = APIRouter(tags=["health"])


@cache
def _head() -> str:
    return head_revision()


@router.get("/livez")
def livez() -> dict[str, str]:
    return {"status": "alive"}


@router.get("/healthz", response_model=HealthOut, responses={503: {"model": HealthOut}})
def healthz(ctx: Services = Depends(get_services)) -> HealthOut | JSONResponse:
    try:
        revision = ctx.db.schema_revision()
    except Exception:  # any failure to reach the database means: not ready
        revision, reachable = None, False
    else:
        reachable = True
    if reachable and revision == _head():
        return HealthOut(status="ok", sandbox=ctx.settings.sandbox_mode, database="ok")
    database = "migrations pending" if reachable else "unreachable"
    body = HealthOut(status="unavailable", sandbox=ctx.settings.sandbox_mode, database=database)
    return JSONResponse(body.dict(), status_code=503)
