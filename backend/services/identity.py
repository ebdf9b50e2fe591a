"""Stage 2: name and ID number (checked for real, then by the ID provider), and the liveness check."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.orm import Session

from backend.content import DEFAULT_LANG
from backend.db import Tx, to_db
from backend.errors import ApiError
from backend.models import Application, Customer, IdentityAttempt
from backend.providers.base import ProviderError
from backend.schemas import ApplicationOut, IdValidOut, LivenessCheckOut, LivenessStartOut
from backend.services.application_state import (
    MANUAL_REVIEW,
    REFUSED,
    load,
    log,
    provider_failed,
    require_in_progress,
    snapshot,
    touch,
)
from backend.services.context import Services
from backend.validation.id_card import IdCheck, validate_id_number

# Names on resident ID cards: Han characters, with '·' between the parts of many minority names
# (e.g. 阿依古丽·买买提); Tibetan and Uyghur script are accepted too.
_NAME_CHARS = (
    r"\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef\u0f00-\u0fff\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff"
)
NAME_RE = re.compile(rf"^[{_NAME_CHARS}]+(?:[·\s][{_NAME_CHARS}]+)*$")
_DOTS = re.compile(r"[•・‧∙.．]")


def normalize_name(raw: str) -> str | None:
    name = _DOTS.sub("·", unicodedata.normalize("NFC", raw or "").strip())
    name = re.sub(r"\s+", " ", name)
    return name if 2 <= len(name) <= 40 and NAME_RE.match(name) else None


def invalid_id(check: IdCheck, *, commit: bool = False) -> ApiError:
    message = f"The ID number is not valid ({check.reason})."
    return ApiError(422, "invalid_id", message, commit=commit, reason=check.reason)


def check_id_number(ctx: Services, raw: str) -> IdValidOut:
    """Pure check for the dialogue's read-back; nothing is stored."""
    check = validate_id_number(raw, ctx.settings.today())
    if not check.valid:
        raise invalid_id(check)
    return IdValidOut(
        valid=True,
        id_masked=check.masked,
        birth_date=check.birth_date,
        age=check.age,
        region=check.region,
        gender=check.gender,
    )


def is_existing_customer(ctx: Services, session: Session, id_number: str, id_hmac: str) -> bool:
    if session.query(Customer.id).filter(Customer.id_number_hmac == id_hmac).first() is not None:
        return True
    return ctx.sandbox is not None and id_number in ctx.sandbox.existing_customers


def verify_identity(
    ctx: Services, application_id: str, raw_name: str, raw_id: str, lang: str = DEFAULT_LANG
) -> ApplicationOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        if application.phone_verified_at is None:
            raise ApiError(409, "phone_not_verified", "The phone number must be verified first.")
        name = normalize_name(raw_name)
        if name is None:
            raise ApiError(422, "invalid_name", "The name must be the full name as on the ID card.")
        check = validate_id_number(raw_id, ctx.settings.today())
        if not check.valid:
            tx.audit("identity.invalid", application.id, reason=check.reason)
            raise invalid_id(check, commit=True)  # commits only the audit entry
        id_number, masked = check.id_number, check.masked
        if check.age < ctx.rules.min_age:
            # Not stored: a minor's ID number is not needed for anything once the answer is no.
            application.status = REFUSED
            application.refusal_reason = "underage"
            touch(application, tx.now)
            tx.audit("identity.underage", application.id, id=masked, age=check.age)
            raise ApiError(
                403,
                "underage",
                f"Applicants must be at least {ctx.rules.min_age} years old.",
                commit=True,
                min_age=ctx.rules.min_age,
            )
        id_hmac = ctx.vault.digest("id_number", id_number)
        if is_existing_customer(ctx, tx.session, id_number, id_hmac):
            raise _existing_customer(ctx, tx, application, id_hmac, masked)
        try:
            result = ctx.providers.identity.verify(name, id_number)
        except ProviderError as exc:
            log.warning("ID check failed for %s (%s): %s", application.id, masked, exc)
            raise provider_failed("ID check") from exc
        outcome = "match" if result.matched else "mismatch"
        tx.session.add(
            IdentityAttempt(
                application_id=application.id,
                id_number_hmac=id_hmac,
                kind="id_check",
                outcome=outcome,
                created_at=to_db(tx.now),
            )
        )
        touch(application, tx.now)
        if not result.matched:
            raise _mismatch(ctx, tx, application, masked)
        if application.id_number_hmac != id_hmac:
            application.liveness_session_id = None
            application.liveness_status = None  # the face check belongs to the person now named
        application.name = name
        application.id_number_enc = ctx.vault.encrypt(id_number)
        application.id_number_hmac = id_hmac
        application.id_masked = masked
        application.age = check.age
        application.identity_verified_at = to_db(tx.now)
        tx.audit("identity.verified", application.id, id=masked, age=check.age, region=check.region)
        log.info("identity verified for %s (%s)", application.id, masked)
        return snapshot(application, lang)


def _existing_customer(
    ctx: Services, tx: Tx, application: Application, id_hmac: str, masked: str
) -> ApiError:
    """The first time, the customer may have mistyped the number and is told so; when the same application
    meets an existing customer's number again (the limit), a person checks for a duplicate opening."""
    tx.audit("identity.existing_customer", application.id, id=masked)
    tx.session.add(
        IdentityAttempt(
            application_id=application.id,
            id_number_hmac=id_hmac,
            kind="id_check",
            outcome="existing",
            created_at=to_db(tx.now),
        )
    )
    tx.session.flush()
    hits = (
        tx.session.query(IdentityAttempt)
        .filter(IdentityAttempt.application_id == application.id, IdentityAttempt.outcome == "existing")
        .count()
    )
    if hits < ctx.rules.existing_customer_limit:
        message = "This ID number already holds an account."
        return ApiError(409, "existing_customer", message, commit=True, manual_review=False)
    reason = ctx.rules.reason("existing_customer")
    application.status = MANUAL_REVIEW
    application.review_reasons = [reason.as_dict()]
    touch(application, tx.now)
    tx.audit("application.manual_review", application.id, reasons=[reason.code])
    message = "This ID number already holds an account; a person will check for a duplicate opening."
    return ApiError(409, "existing_customer", message, commit=True, manual_review=True)


def _mismatch(ctx: Services, tx: Tx, application: Application, masked: str) -> ApiError:
    """Counts this application's mismatches; at the limit it goes to manual review at once."""
    log.info("identity mismatch for %s (%s)", application.id, masked)
    tx.audit("identity.mismatch", application.id, id=masked)
    tx.session.flush()
    mismatches = (
        tx.session.query(IdentityAttempt)
        .filter(IdentityAttempt.application_id == application.id, IdentityAttempt.outcome == "mismatch")
        .count()
    )
    left = ctx.rules.identity_mismatch_limit - mismatches
    if left > 0:
        message = "Name and ID number do not match."
        return ApiError(422, "identity_mismatch", message, commit=True, attempts_left=left)
    reason = ctx.rules.reason("failed_attempts", count=mismatches)
    application.status = MANUAL_REVIEW
    application.review_reasons = [reason.as_dict()]
    tx.audit("application.manual_review", application.id, reasons=[reason.code])
    message = "Too many failed identity checks; a person will review."
    return ApiError(429, "too_many_attempts", message, commit=True)


def start_liveness(ctx: Services, application_id: str) -> LivenessStartOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        if application.identity_verified_at is None:
            raise ApiError(409, "identity_required", "The identity step comes first.")
        id_number = ctx.vault.decrypt(application.id_number_enc)
        try:
            session = ctx.providers.liveness.start(application.id, application.name, id_number)
        except ProviderError as exc:
            raise provider_failed("liveness") from exc
        application.liveness_session_id = session.session_id
        application.liveness_status = "pending"
        touch(application, tx.now)
        tx.audit("liveness.started", application.id, session_id=session.session_id)
        return LivenessStartOut(session_id=session.session_id, url=session.url, status="pending")


def check_liveness(ctx: Services, application_id: str, lang: str = DEFAULT_LANG) -> LivenessCheckOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        if not application.liveness_session_id:
            raise ApiError(409, "liveness_not_started", "Start the liveness check first.")
        if application.liveness_status in ("passed", "failed"):
            status = application.liveness_status  # a finished session keeps its result
        else:
            try:
                status = ctx.providers.liveness.check(application.liveness_session_id)
            except ProviderError as exc:
                raise provider_failed("liveness") from exc
            if status in ("passed", "failed"):
                tx.session.add(
                    IdentityAttempt(
                        application_id=application.id,
                        id_number_hmac=application.id_number_hmac,
                        kind="liveness",
                        outcome=status,
                        created_at=to_db(tx.now),
                    )
                )
                tx.audit("liveness.checked", application.id, status=status)
            application.liveness_status = status
            touch(application, tx.now)
        return LivenessCheckOut(
            passed=status == "passed", status=status, application=snapshot(application, lang)
        )
