"""Application lifecycle: create, consent, pause, cancel, delete (PIPL erasure)."""

from __future__ import annotations

import secrets

from backend import content
from backend.content import DEFAULT_LANG
from backend.db import Tx, to_db
from backend.errors import ApiError, not_in_progress
from backend.models import (
    AgreementSignature,
    Application,
    BankBinding,
    ConsentRecord,
    IdentityAttempt,
    RiskAssessment,
    SandboxOutbox,
    SmsChallenge,
)
from backend.schemas import ApplicationOut
from backend.services.common import (
    APPROVED,
    CANCELLED,
    DELETED,
    IN_PROGRESS,
    MANUAL_REVIEW,
    REFUSED,
    load,
    log,
    require_in_progress,
    snapshot,
    touch,
)
from backend.services.context import Services
from backend.validation.masking import redact

ERASED_SENDER = "erased"


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def create(ctx: Services, sender_id: str, channel: str, lang: str = DEFAULT_LANG) -> ApplicationOut:
    with ctx.db.transaction() as tx:
        now = to_db(tx.now)
        application = Application(
            id=new_id("app"),
            sender_id=sender_id,
            channel=channel,
            status=IN_PROGRESS,
            created_at=now,
            updated_at=now,
        )
        tx.session.add(application)
        tx.audit("application.created", application.id, channel=channel)
        log.info("application %s created (channel %s)", application.id, channel)
        return snapshot(application, lang)


def get(ctx: Services, application_id: str, lang: str = DEFAULT_LANG) -> ApplicationOut:
    with ctx.db.session() as session:
        return snapshot(load(session, application_id), lang)


def record_consent(
    ctx: Services,
    application_id: str,
    accepted: bool,
    notice_version: str,
    utterance: str,
    channel: str,
    lang: str = DEFAULT_LANG,
) -> ApplicationOut:
    current = content.notice(None)["version"]
    if notice_version != current:
        # Consent counts only for the text actually shown: an old or unknown version is not consent.
        raise ApiError(
            422,
            "invalid_notice_version",
            f"Consent must refer to the current notice version {current}.",
            current_version=current,
        )
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        tx.session.add(
            ConsentRecord(
                application_id=application.id,
                accepted=accepted,
                notice_version=notice_version,
                utterance=redact(utterance),
                channel=channel,
                recorded_at=to_db(tx.now),
            )
        )
        application.consent = accepted
        if not accepted:
            # No consent, no personal data: the application stops here (the dialogue offers a branch/person).
            application.status = REFUSED
            application.refusal_reason = "consent_declined"
        touch(application, tx.now)
        tx.audit(
            "consent.recorded",
            application.id,
            accepted=accepted,
            notice_version=notice_version,
            channel=channel,
        )
        return snapshot(application, lang)


def pause(ctx: Services, application_id: str, lang: str = DEFAULT_LANG) -> ApplicationOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        application.paused_at = to_db(tx.now)
        touch(application, tx.now)
        tx.audit("application.paused", application.id)
        return snapshot(application, lang)


def cancel(ctx: Services, application_id: str, lang: str = DEFAULT_LANG) -> ApplicationOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        if application.status not in (IN_PROGRESS, MANUAL_REVIEW):
            raise not_in_progress(application.status)
        application.status = CANCELLED
        application.cancel_reason = "user_request"
        touch(application, tx.now)
        tx.audit("application.cancelled", application.id, reason="user_request")
        return snapshot(application, lang)


def delete(ctx: Services, application_id: str, lang: str = DEFAULT_LANG) -> ApplicationOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        if application.status == DELETED:
            return snapshot(application, lang)
        if application.status == APPROVED:
            # An opened account's records must be kept (securities law: at least 20 years); PIPL art. 47
            # exempts data a law requires to keep. Closing the account is a branch procedure.
            raise ApiError(
                409,
                "retention_required",
                "An opened account's records are kept as securities law requires and cannot be deleted here.",
            )
        erased = erase_personal_data(tx, application)
        application.status = DELETED
        touch(application, tx.now)
        tx.audit("application.deleted", application.id, erased=erased)
        log.info("application %s deleted, personal data erased", application.id)
        return snapshot(application, lang)


def erase_personal_data(tx: Tx, application: Application) -> list[str]:
    """Erase what identifies the person; keep only anonymous facts (versions, times, statuses)."""
    session, app_id = tx.session, application.id
    if application.phone_hmac:
        session.query(SandboxOutbox).filter(SandboxOutbox.phone_hmac == application.phone_hmac).delete()
    session.query(SmsChallenge).filter(SmsChallenge.application_id == app_id).delete()
    session.query(IdentityAttempt).filter(IdentityAttempt.application_id == app_id).delete()
    session.query(RiskAssessment).filter(RiskAssessment.application_id == app_id).delete()
    session.query(BankBinding).filter(BankBinding.application_id == app_id).delete()
    session.query(ConsentRecord).filter(ConsentRecord.application_id == app_id).update({"utterance": None})
    session.query(AgreementSignature).filter(AgreementSignature.application_id == app_id).update(
        {"utterance": None, "audio_sha256": None}
    )
    fields = {
        "sender_id": ERASED_SENDER,
        "phone_enc": None,
        "phone_hmac": None,
        "phone_masked": None,
        "name": None,
        "id_number_enc": None,
        "id_number_hmac": None,
        "id_masked": None,
        "age": None,
        "liveness_session_id": None,
        "risk_level": None,
        "review_reasons": None,
        "review_note": None,
    }
    for field, value in fields.items():
        setattr(application, field, value)
    session.expire(application, ["bank_binding"])
    return ["name", "id_number", "phone", "bank_card", "risk_answers", "utterances", "sender_id"]
