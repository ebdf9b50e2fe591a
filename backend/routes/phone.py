"""Stage 1 routes: phone number and SMS code. `lang` is the language of the SMS text."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.routes import ACTIONS, errors, get_lang, get_services
from backend.schemas import CodeSentOut, PhoneIn, VerifyIn, VerifyOut
from backend.services import Services, phone

router = APIRouter(
    prefix="/applications/{application_id}/phone", tags=["stage 1: phone"], route_class=ACTIONS
)


@router.post("", response_model=CodeSentOut, responses=errors(403, 404, 409, 422, 429, 502))
def send_code(
    application_id: str, body: PhoneIn, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> CodeSentOut:
    return phone.send_code(ctx, application_id, body.phone, lang)


@router.post("/resend", response_model=CodeSentOut, responses=errors(404, 409, 422, 429, 502))
def resend_code(
    application_id: str, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> CodeSentOut:
    return phone.resend_code(ctx, application_id, lang)


@router.post("/verify", response_model=VerifyOut, responses=errors(404, 409, 410, 422, 429))
def verify_code(
    application_id: str, body: VerifyIn, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> VerifyOut:
    return phone.verify_code(ctx, application_id, body.code, lang)
