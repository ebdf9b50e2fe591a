from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.routes import get_services
from backend.schemas import HealthOut
from backend.services import Services

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut)
def healthz(ctx: Services = Depends(get_services)) -> HealthOut:
    return HealthOut(status="ok", sandbox=ctx.settings.sandbox_mode)
