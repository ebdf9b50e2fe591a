"""Application lifecycle routes. Each takes `lang` for the texts in the Application (review reasons)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.routes import ACTIONS, errors, get_lang, get_services
from backend.schemas import (
    ApplicationOut,
    CancelReason,
    ConsentIn,
    CreateApplicationIn,
    DeletedApplicationOut,
    SubmitOut,
)
from backend.services import Services, applications, submit

router = APIRouter(prefix="/applications", tags=["applications"], route_class=ACTIONS)


@router.post("", response_model=ApplicationOut, status_code=201, responses=errors(422))
def create(
    body: CreateApplicationIn, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> ApplicationOut:
    return applications.create(ctx, body.sender_id, body.channel, lang)


@router.get("/{application_id}", response_model=ApplicationOut, responses=errors(404, 422))
def get(
    application_id: str, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> ApplicationOut:
    return applications.get(ctx, application_id, lang)


@router.post("/{application_id}/consent", response_model=ApplicationOut, responses=errors(404, 409, 422))
def consent(
    application_id: str,
    body: ConsentIn,
    lang: str = Depends(get_lang),
    ctx: Services = Depends(get_services),
) -> ApplicationOut:
    return applications.record_consent(
        ctx,
        application_id,
        body.accepted,
        body.notice_version,
        body.utterance,
        body.channel,
        lang,
        body.audio_sha256,
    )


@router.post("/{application_id}/submit", response_model=SubmitOut, responses=errors(404, 409, 422))
def submit_application(
    application_id: str, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> SubmitOut:
    return submit.submit(ctx, application_id, lang)


@router.post("/{application_id}/pause", response_model=ApplicationOut, responses=errors(404, 409, 422))
def pause(
    application_id: str, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> ApplicationOut:
    return applications.pause(ctx, application_id, lang)


@router.post("/{application_id}/cancel", response_model=ApplicationOut, responses=errors(404, 409, 422))
def cancel(
    application_id: str,
    reason: CancelReason = CancelReason.user_request,
    lang: str = Depends(get_lang),
    ctx: Services = Depends(get_services),
) -> ApplicationOut:
    """Cancelled at the customer's word: `user_request` (they asked), `agreement_declined` (they said no to
    the agreements, without which no account opens)."""
    return applications.cancel(ctx, application_id, lang, reason.value)


@router.delete("/{application_id}", response_model=DeletedApplicationOut, responses=errors(404, 409, 422))
def delete(
    application_id: str, lang: str = Depends(get_lang), ctx: Services = Depends(get_services)
) -> DeletedApplicationOut:
    return applications.delete(ctx, application_id, lang)
