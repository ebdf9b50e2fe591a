"""Stage 3-5 routes: risk assessment, agreement signature, bank card."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.routes import ACTIONS, errors, get_lang, get_services
from backend.schemas import CardIn, CardOut, RiskIn, RiskOut, SignIn, SignOut
from backend.services import Services, agreements, assessment, bank

router = APIRouter(prefix="/applications/{application_id}", tags=["stages 3-5"], route_class=ACTIONS)


@router.post("/risk", response_model=RiskOut, responses=errors(404, 409, 422))
def assess_risk(
    application_id: str, body: RiskIn, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> RiskOut:
    return assessment.assess(ctx, application_id, body.answers, lang)


@router.post("/agreements/sign", response_model=SignOut, responses=errors(404, 409, 422))
def sign_agreements(
    application_id: str, body: SignIn, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> SignOut:
    return agreements.sign(ctx, application_id, body.utterance, body.channel, body.audio_sha256, lang)


@router.post("/bank_card", response_model=CardOut, responses=errors(404, 409, 422, 502))
def bind_card(
    application_id: str, body: CardIn, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> CardOut:
    return bank.bind_card(ctx, application_id, body.card_number, lang)
