"""Stage 5b: submit. Compliance rules decide between a new fund account and manual review."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from backend.compliance import Facts, evaluate, localized_reasons
from backend.content import DEFAULT_LANG
from backend.db import Tx, to_db
from backend.errors import ApiError
from backend.models import Application, Customer, IdentityAttempt, RiskAssessment
from backend.progress import missing_steps
from backend.schemas import SubmitOut
from backend.services.application_state import (
    APPROVED,
    MANUAL_REVIEW,
    load,
    log,
    require_in_progress,
    snapshot,
    touch,
)
from backend.services.context import Services
from backend.services.identity import is_existing_customer
from backend.validation.id_card import validate_id_number
from privacy.numbers import luhn_check_digit, mask_account

FAILED_OUTCOMES = ("mismatch", "failed")


def new_account_number(session: Session) -> str:
    """12 digits: 11 random (first not 0) plus a Luhn digit, so a misheard read-back is caught."""
    while True:
        body = str(secrets.randbelow(9 * 10**10) + 10**10)
        number = body + luhn_check_digit(body)
        taken = session.query(Application.id).filter(Application.account_number == number).first()
        if (
            taken is None
            and session.query(Customer.id).filter(Customer.account_number == number).first() is None
        ):
            return number


def open_account(tx: Tx, application: Application) -> str:
    """Open the fund account of an application that passed (here, or a reviewer's approval)."""
    account_number = new_account_number(tx.session)
    tx.session.add(
        Customer(
            id_number_hmac=application.id_number_hmac,
            id_number_enc=application.id_number_enc,
            name=application.name,
            account_number=account_number,
            application_id=application.id,
            risk_level=application.risk_level,
            opened_at=to_db(tx.now),
        )
    )
    application.status = APPROVED
    application.account_number = account_number
    return account_number


def latest_answers(session: Session, application_id: str) -> tuple[int, ...]:
    """The answers behind the current risk level (a re-assessment replaces the level, so the newest row)."""
    row = (
        session.query(RiskAssessment.answers)
        .filter(RiskAssessment.application_id == application_id)
        .order_by(RiskAssessment.id.desc())
        .first()
    )
    return tuple(row.answers) if row else ()


def submit(ctx: Services, application_id: str, lang: str = DEFAULT_LANG) -> SubmitOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        missing = missing_steps(application)
        if missing:
            raise ApiError(409, "incomplete", "Some steps are not done yet.", missing=missing)
        id_number = ctx.vault.decrypt(application.id_number_enc)
        failed = (
            tx.session.query(IdentityAttempt)
            .filter(
                IdentityAttempt.id_number_hmac == application.id_number_hmac,
                IdentityAttempt.outcome.in_(FAILED_OUTCOMES),
            )
            .count()
        )
        facts = Facts(
            # Recomputed today: the age at the identity step may be days old.
            age=validate_id_number(id_number, ctx.settings.today()).age or 0,
            existing_customer=is_existing_customer(ctx, tx.session, id_number, application.id_number_hmac),
            blocked=id_number in ctx.rules.blocked_ids,
            failed_attempts=failed,
            risk_level=application.risk_level,
            risk_answers=latest_answers(tx.session, application.id),
        )
        reasons = evaluate(facts, ctx.rules)
        touch(application, tx.now)
        application.paused_at = None
        if reasons:
            application.status = MANUAL_REVIEW
            application.review_reasons = [r.as_dict() for r in reasons]
            codes = [r.code for r in reasons]
            tx.audit("application.submitted", application.id, outcome=MANUAL_REVIEW, reasons=codes)
            log.info("application %s sent to manual review: %s", application.id, ",".join(codes))
            texts, served = localized_reasons(application.review_reasons, lang)
            return SubmitOut(
                status=MANUAL_REVIEW,
                account_number=None,
                review_reasons=[r["text"] for r in texts],
                application=snapshot(application, lang),
                lang=served,
            )
        account_number = open_account(tx, application)
        tx.audit(
            "application.submitted", application.id, outcome=APPROVED, account=mask_account(account_number)
        )
        log.info("application %s approved, account %s", application.id, mask_account(account_number))
        return SubmitOut(
            status=APPROVED,
            account_number=account_number,
            review_reasons=[],
            application=snapshot(application, lang),
            lang=lang,
        )
