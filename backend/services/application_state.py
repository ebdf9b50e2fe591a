"""An application's state as every step needs it: loading one, its status guards, and the snapshot replies
carry."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from backend.compliance import localized_reasons
from backend.content import DEFAULT_LANG
from backend.db import from_db, to_db
from backend.errors import ApiError, not_found, not_in_progress
from backend.models import Application
from backend.progress import next_step, stage_of
from backend.schemas import ApplicationOut, ReviewReason

log = logging.getLogger("backend.services")

IN_PROGRESS = "in_progress"
MANUAL_REVIEW = "manual_review"
APPROVED = "approved"
REFUSED = "refused"
CANCELLED = "cancelled"
DELETED = "deleted"


def load(session: Session, application_id: str, *, for_update: bool = False) -> Application:
    query = session.query(Application).filter(Application.id == application_id)
    if for_update:
        query = query.with_for_update()  # row lock on PostgreSQL; SQLite is serialised by Database
    application = query.one_or_none()
    if application is None:
        raise not_found()
    return application


def require_in_progress(application: Application) -> None:
    if application.status != IN_PROGRESS:
        raise not_in_progress(application.status)


def touch(application: Application, now: datetime) -> None:
    application.updated_at = to_db(now)


def snapshot(application: Application, lang: str | None = DEFAULT_LANG) -> ApplicationOut:
    """The Application answer; its review reasons in `lang` (the stored zh text when none is available)."""
    binding = application.bank_binding
    reasons, _ = localized_reasons(application.review_reasons or [], lang)
    step = next_step(application)
    return ApplicationOut(
        id=application.id,
        sender_id=application.sender_id,
        channel=application.channel,
        status=application.status,
        consent=application.consent,
        phone_verified=application.phone_verified_at is not None,
        phone_masked=application.phone_masked,
        name=application.name,
        id_masked=application.id_masked,
        identity_verified=application.identity_verified_at is not None,
        age=application.age,
        liveness_passed=application.liveness_status == "passed",
        risk_level=application.risk_level,
        agreement_signed=application.agreement_signed_at is not None,
        bank_name=binding.bank_name if binding else None,
        card_masked=binding.card_masked if binding else None,
        account_number=application.account_number,
        review_reasons=[r["text"] for r in reasons],
        refusal_reason=application.refusal_reason,
        created_at=from_db(application.created_at),
        updated_at=from_db(application.updated_at),
        review_details=[ReviewReason(**r) for r in reasons],
        next_step=step,
        stage=stage_of()[step] if step else None,
        paused=application.paused_at is not None,
        merged_into=application.merged_into,
    )


def provider_failed(what: str) -> ApiError:
    return ApiError(502, "provider_unavailable", f"The {what} service is unavailable; try again shortly.")
