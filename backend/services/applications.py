"""Application lifecycle: create, consent, pause, cancel, delete (PIPL erasure)."""

from __future__ import annotations

import secrets

from backend import content, idempotency
from backend.content import DEFAULT_LANG
from backend.db import Tx, to_db
from backend.errors import ApiError, not_in_progress
from backend.models import (
    AgreementSignature,
    Application,
    ApplicationSender,
    BankBinding,
    ConsentRecord,
    HandoffTicket,
    IdentityAttempt,
    RiskAssessment,
    SandboxOutbox,
    SmsChallenge,
    VideoAppointment,
)
from backend.schemas import ApplicationOut, DeletedApplicationOut
from backend.services.application_state import (
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
from backend.services.evidence import answer_evidence
from privacy.numbers import redact

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
        link_sender(tx, application.id, sender_id)
        tx.audit("application.created", application.id, channel=channel)
        log.info("application %s created (channel %s)", application.id, channel)
        return snapshot(application, lang)


def link_sender(tx: Tx, application_id: str, sender_id: str) -> None:
    """Remember that this conversation worked on the application (deletion erases its history too)."""
    known = (
        tx.session.query(ApplicationSender)
        .filter(ApplicationSender.application_id == application_id, ApplicationSender.sender_id == sender_id)
        .count()
    )
    if not known:
        tx.session.add(
            ApplicationSender(application_id=application_id, sender_id=sender_id, linked_at=to_db(tx.now))
        )


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
    audio_sha256: str | None = None,
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
                audio_sha256=audio_sha256.lower() if audio_sha256 else None,
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
            **answer_evidence(ctx, utterance, channel, audio_sha256),
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


def cancel(
    ctx: Services, application_id: str, lang: str = DEFAULT_LANG, reason: str = "user_request"
) -> ApplicationOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        if application.status not in (IN_PROGRESS, MANUAL_REVIEW):
            raise not_in_progress(application.status)
        application.status = CANCELLED
        application.cancel_reason = reason
        touch(application, tx.now)
        tx.audit("application.cancelled", application.id, reason=reason)
        return snapshot(application, lang)


def delete(ctx: Services, application_id: str, lang: str = DEFAULT_LANG) -> DeletedApplicationOut:
    """PIPL erasure of the application, of those it absorbed when resumed, and of their recordings; answers
    with every linked conversation, whose history the dialogue's store erases."""
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        if application.status == DELETED:
            return DeletedApplicationOut(**snapshot(application, lang).dict())
        if application.status == APPROVED:
            # An opened account's records must be kept (securities law: at least 20 years); PIPL art. 47
            # exempts data a law requires to keep. Closing the account is a branch procedure.
            raise ApiError(
                409,
                "retention_required",
                "An opened account's records are kept as securities law requires and cannot be deleted here.",
            )
        absorbed = tx.session.query(Application).filter(Application.merged_into == application.id).all()
        app_ids = [application.id] + [a.id for a in absorbed]
        senders = linked_senders(tx, app_ids)
        recordings = sorted(set(recorded_audio(tx, app_ids)) | ctx.recordings.owned(senders))
        erased = erase_personal_data(tx, application)
        for source in absorbed:
            erase_personal_data(tx, source)
        forget_senders(tx, app_ids)
        idempotency.forget(tx, app_ids)  # the kept answers name the person and the conversation
        application.status = DELETED
        touch(application, tx.now)
        tx.audit(
            "application.deleted",
            application.id,
            erased=erased + ["conversations", "recordings"],
            absorbed=[a.id for a in absorbed],
            conversations=len(senders),
            recordings=recordings,
        )
        snap = snapshot(application, lang)
    # Files go after the commit: a failed commit must not leave audit entries pointing at erased audio.
    removed = ctx.recordings.erase(recordings, senders)
    log.info(
        "application %s deleted: personal data, %d conversation link(s), %d recording(s) erased",
        application_id,
        len(senders),
        len(removed),
    )
    return DeletedApplicationOut(**snap.dict(), erased_senders=senders)


def linked_senders(tx: Tx, app_ids: list[str]) -> list[str]:
    """Every conversation that worked on these applications, asked for a person or booked a video witness."""
    senders: set[str] = set()
    for model in (ApplicationSender, HandoffTicket, VideoAppointment):
        rows = tx.session.query(model.sender_id).filter(model.application_id.in_(app_ids))
        senders.update(sender for (sender,) in rows)
    senders.update(a.sender_id for a in tx.session.query(Application).filter(Application.id.in_(app_ids)))
    senders.discard(ERASED_SENDER)
    return sorted(senders)


def recorded_audio(tx: Tx, app_ids: list[str]) -> list[str]:
    hashes: set[str] = set()
    for model in (ConsentRecord, AgreementSignature):
        rows = tx.session.query(model.audio_sha256).filter(model.application_id.in_(app_ids))
        hashes.update(sha for (sha,) in rows if sha)
    return sorted(hashes)


def forget_senders(tx: Tx, app_ids: list[str]) -> None:
    session = tx.session
    session.query(ApplicationSender).filter(ApplicationSender.application_id.in_(app_ids)).delete()
    for model in (HandoffTicket, VideoAppointment):
        session.query(model).filter(model.application_id.in_(app_ids)).update(
            {"sender_id": ERASED_SENDER}, synchronize_session=False
        )


def erase_personal_data(tx: Tx, application: Application) -> list[str]:
    """Erase what identifies the person; keep only anonymous facts (versions, times, statuses)."""
    session, app_id = tx.session, application.id
    if application.phone_hmac:
        session.query(SandboxOutbox).filter(SandboxOutbox.phone_hmac == application.phone_hmac).delete()
    session.query(SmsChallenge).filter(SmsChallenge.application_id == app_id).delete()
    session.query(IdentityAttempt).filter(IdentityAttempt.application_id == app_id).delete()
    session.query(RiskAssessment).filter(RiskAssessment.application_id == app_id).delete()
    session.query(BankBinding).filter(BankBinding.application_id == app_id).delete()
    session.query(ConsentRecord).filter(ConsentRecord.application_id == app_id).update(
        {"utterance": None, "audio_sha256": None}
    )
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
