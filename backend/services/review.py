"""Manual review by staff: the queue, one application's file, and a reviewer's approval or rejection."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy.orm import Session

from backend.db import from_db, to_db
from backend.errors import ApiError
from backend.models import Application, AuditEvent, Customer
from backend.schemas import AuditEntryOut, ReviewDetailOut, ReviewQueueItem, ReviewQueueOut, ReviewReason
from backend.services.application_state import MANUAL_REVIEW, REFUSED, load, log, touch
from backend.services.context import Services
from backend.services.submit import latest_answers, open_account
from privacy.numbers import mask_account, mask_name

REJECTED_BY_REVIEW = "review_rejected"


def queue(ctx: Services, status: str, limit: int, offset: int) -> ReviewQueueOut:
    with ctx.db.session() as session:
        query = session.query(Application).filter(Application.status == status)
        total = query.count()
        rows = query.order_by(Application.updated_at, Application.id).offset(offset).limit(limit).all()
        return ReviewQueueOut(items=[_item(row) for row in rows], total=total, limit=limit, offset=offset)


def detail(ctx: Services, application_id: str) -> ReviewDetailOut:
    with ctx.db.session() as session:
        return _detail(session, load(session, application_id))


def approve(ctx: Services, application_id: str, reviewer: str, note: str | None) -> ReviewDetailOut:
    with ctx.db.transaction() as tx:
        application = _in_review(tx.session, application_id)
        # Customers has one row per ID number: a duplicate stays a duplicate whoever approves it.
        if (
            tx.session.query(Customer.id)
            .filter(Customer.id_number_hmac == application.id_number_hmac)
            .first()
        ):
            raise ApiError(409, "already_customer", "This ID number already has an account; reject instead.")
        account = mask_account(open_account(tx, application))
        _decide(application, reviewer, note, tx.now)
        tx.audit(
            "application.reviewed", application.id, **_record("approved", reviewer, note), account=account
        )
        log.info("application %s approved by %s, account %s", application.id, reviewer, account)
    return detail(ctx, application_id)  # after the commit, so the trail shows this decision


def reject(ctx: Services, application_id: str, reviewer: str, note: str) -> ReviewDetailOut:
    with ctx.db.transaction() as tx:
        application = _in_review(tx.session, application_id)
        application.status = REFUSED
        application.refusal_reason = REJECTED_BY_REVIEW
        _decide(application, reviewer, note, tx.now)
        tx.audit("application.reviewed", application.id, **_record(REFUSED, reviewer, note))
        log.info("application %s rejected by %s", application.id, reviewer)
    return detail(ctx, application_id)


def _in_review(session: Session, application_id: str) -> Application:
    application = load(session, application_id, for_update=True)
    if application.status != MANUAL_REVIEW:
        raise ApiError(
            409,
            "not_in_review",
            f"The application is {application.status}, not in manual review.",
            status=application.status,
        )
    return application


def _decide(application: Application, reviewer: str, note: str | None, now: datetime) -> None:
    application.reviewed_by = reviewer
    application.reviewed_at = to_db(now)
    application.review_note = note
    touch(application, now)


def _record(decision: str, reviewer: str, note: str | None) -> dict[str, str | None]:
    # The note is free text that may name the person: the trail keeps its digest, the application the text.
    digest = hashlib.sha256(note.encode("utf-8")).hexdigest() if note else None
    return {"decision": decision, "reviewer": reviewer, "note_sha256": digest}


def _item(application: Application) -> ReviewQueueItem:
    return ReviewQueueItem(
        id=application.id,
        status=application.status,
        channel=application.channel,
        name_masked=mask_name(application.name) if application.name else None,
        id_masked=application.id_masked,
        age=application.age,
        risk_level=application.risk_level,
        reason_codes=[r["code"] for r in application.review_reasons or []],
        created_at=from_db(application.created_at),
        updated_at=from_db(application.updated_at),
    )


def _detail(session: Session, application: Application) -> ReviewDetailOut:
    events = (
        session.query(AuditEvent)
        .filter(AuditEvent.application_id == application.id)
        .order_by(AuditEvent.id)
        .all()
    )
    audit = [AuditEntryOut(id=e.id, at=e.at, type=e.type, details=json.loads(e.details)) for e in events]
    binding = application.bank_binding
    answers = latest_answers(session, application.id)
    return ReviewDetailOut(
        **_item(application).dict(),
        phone_masked=application.phone_masked,
        bank_name=binding.bank_name if binding else None,
        card_masked=binding.card_masked if binding else None,
        account_masked=mask_account(application.account_number) if application.account_number else None,
        risk_answers=list(answers) or None,
        reasons=[ReviewReason(code=r["code"], text=r["text"]) for r in application.review_reasons or []],
        refusal_reason=application.refusal_reason,
        reviewed_by=application.reviewed_by,
        reviewed_at=from_db(application.reviewed_at),
        review_note=application.review_note,
        audit=audit,
    )
