"""Stage 2 routes: identity and liveness."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.routes import ACTIONS, errors, get_lang, get_services
from backend.schemas import ApplicationOut, IdentityIn, LivenessCheckOut, LivenessStartOut
from backend.services import Services, identity

router = APIRouter(prefix="/applications/{application_id}", tags=["stage 2: identity"], route_class=ACTIONS)


@router.post("/identity", response_model=ApplicationOut, responses=errors(403, 404, 409, 422, 429, 502))
def verify_identity(
    application_id: str,
    body: IdentityIn,
    lang: str = Depends(get_lang),
    ctx: Services = Depends(get_services),
) -> ApplicationOut:
    return identity.verify_identity(ctx, application_id, body.name, body.id_number, lang)


@router.post("/liveness/start", response_model=LivenessStartOut, responses=errors(404, 409, 502))
def start_liveness(application_id: str, ctx: Services = Depends(get_services)) -> LivenessStartOut:
    return identity.start_liveness(ctx, application_id)


@router.post("/liveness/check", response_model=LivenessCheckOut, responses=errors(404, 409, 422, 502))
def check_liveness(
    application_id: str, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> LivenessCheckOut:
    return identity.check_liveness(ctx, application_id, lang)
