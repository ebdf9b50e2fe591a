"""Stage 1: phone number, SMS code, and resuming an earlier application of the same phone."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from backend import content
from backend.content import DEFAULT_LANG
from backend.db import Tx, from_db, to_db
from backend.errors import ApiError
from backend.models import Application, ConsentRecord, SmsChallenge
from backend.providers.base import ProviderError
from backend.schemas import CodeSentOut, VerifyOut
from backend.services.applications import link_sender
from backend.services.common import (
    CANCELLED,
    IN_PROGRESS,
    load,
    log,
    progress_rank,
    provider_failed,
    require_in_progress,
    snapshot,
    touch,
)
from backend.services.context import Services
from backend.validation.masking import mask_phone
from backend.validation.normalize import digits_text
from backend.validation.phone import normalize_phone


def _code_hash(ctx: Services, salt: str, code: str) -> str:
    # Keyed: a leaked table of 6-digit codes must not be brute-forced offline.
    return ctx.vault.digest("sms", f"{salt}:{code}")


def _check_resend_interval(ctx: Services, tx: Tx, phone_hmac: str) -> None:
    """Per phone number, across applications: one SMS per interval whoever asks."""
    last = (
        tx.session.query(SmsChallenge)
        .filter(SmsChallenge.phone_hmac == phone_hmac)
        .order_by(SmsChallenge.created_at.desc(), SmsChallenge.id.desc())
        .first()
    )
    if last is None:
        return
    wait = from_db(last.created_at) + timedelta(seconds=ctx.settings.sms_resend_interval_s) - tx.now
    if wait.total_seconds() > 0:
        retry = int(wait.total_seconds() + 0.999)
        raise ApiError(
            429, "resend_too_soon", f"A code was sent recently; wait {retry} s.", retry_after_s=retry
        )


def _issue(ctx: Services, tx: Tx, application: Application, phone: str) -> str:
    phone_hmac = ctx.vault.digest("phone", phone)
    _check_resend_interval(ctx, tx, phone_hmac)
    if application.phone_hmac != phone_hmac:
        application.phone_enc = ctx.vault.encrypt(phone)
        application.phone_hmac = phone_hmac
        application.phone_masked = mask_phone(phone)
    application.phone_verified_at = None  # a (re)sent code means the number is to be proven again
    tx.session.query(SmsChallenge).filter(
        SmsChallenge.application_id == application.id, SmsChallenge.superseded.is_(False)
    ).update({"superseded": True})
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    tx.session.add(
        SmsChallenge(
            application_id=application.id,
            phone_hmac=phone_hmac,
            salt=salt,
            code_hash=_code_hash(ctx, salt, code),
            created_at=to_db(tx.now),
            expires_at=to_db(tx.now + timedelta(seconds=ctx.settings.sms_code_ttl_s)),
            tries=0,
            superseded=False,
        )
    )
    touch(application, tx.now)
    tx.audit("phone.code_sent", application.id, phone=mask_phone(phone))
    return code


def _send(ctx: Services, application_id: str, phone: str, code: str, lang: str) -> CodeSentOut:
    # Sent after the challenge is committed: an outside call never holds the database's write lock.
    sent_at = ctx.settings.now()
    ttl_s = ctx.settings.sms_code_ttl_s
    text, text_lang = content.sms_code_message(code, ttl_s, lang)
    try:
        ctx.providers.sms.send_code_message(phone, code, ttl_s, sent_at, text, text_lang)
    except ProviderError as exc:
        log.warning("SMS to %s failed for %s: %s", mask_phone(phone), application_id, exc)
        raise provider_failed("SMS") from exc
    log.info("code sent to %s for %s", mask_phone(phone), application_id)
    return CodeSentOut(
        phone_masked=mask_phone(phone),
        expires_in_s=ctx.settings.sms_code_ttl_s,
        resend_after_s=ctx.settings.sms_resend_interval_s,
    )


def send_code(ctx: Services, application_id: str, raw_phone: str, lang: str = DEFAULT_LANG) -> CodeSentOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        if application.consent is not True:
            raise ApiError(409, "consent_required", "Consent to the personal-information notice comes first.")
        phone = normalize_phone(raw_phone)
        if phone is None:
            raise ApiError(
                422, "invalid_phone", "A mainland mobile number has 11 digits and starts with 13-19."
            )
        code = _issue(ctx, tx, application, phone)
    return _send(ctx, application_id, phone, code, lang)


def resend_code(ctx: Services, application_id: str, lang: str = DEFAULT_LANG) -> CodeSentOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        if not application.phone_enc:
            raise ApiError(409, "no_phone", "No phone number has been given yet.")
        phone = ctx.vault.decrypt(application.phone_enc)
        code = _issue(ctx, tx, application, phone)
    return _send(ctx, application_id, phone, code, lang)


def verify_code(ctx: Services, application_id: str, raw_code: str, lang: str = DEFAULT_LANG) -> VerifyOut:
    max_tries = ctx.settings.sms_max_tries
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        challenge = (
            tx.session.query(SmsChallenge)
            .filter(SmsChallenge.application_id == application.id, SmsChallenge.superseded.is_(False))
            .order_by(SmsChallenge.id.desc())
            .first()
        )
        if challenge is None:
            raise ApiError(409, "no_code_sent", "No code has been sent for this application.")
        if challenge.verified_at is not None and application.phone_verified_at is not None:
            return VerifyOut(verified=True, application=snapshot(application, lang), resumed=False)
        if tx.now >= from_db(challenge.expires_at):
            raise ApiError(410, "code_expired", "The code has expired; ask for a new one.")
        if challenge.tries >= max_tries:
            raise ApiError(429, "too_many_tries", "Too many wrong codes; ask for a new one.", tries_left=0)
        code = digits_text(raw_code)
        if not hmac.compare_digest(_code_hash(ctx, challenge.salt, code), challenge.code_hash):
            challenge.tries += 1
            tries_left = max_tries - challenge.tries
            tx.audit("phone.code_wrong", application.id, tries_left=tries_left)
            if tries_left <= 0:
                raise ApiError(
                    429,
                    "too_many_tries",
                    "Too many wrong codes; ask for a new one.",
                    commit=True,
                    tries_left=0,
                )
            raise ApiError(422, "wrong_code", "The code is not correct.", commit=True, tries_left=tries_left)
        challenge.verified_at = to_db(tx.now)
        application.phone_verified_at = to_db(tx.now)
        touch(application, tx.now)
        tx.audit("phone.verified", application.id, phone=application.phone_masked)
        target = _resumable(tx.session, application)
        if target is None:
            return VerifyOut(verified=True, application=snapshot(application, lang), resumed=False)
        _merge(tx, source=application, target=target)
        return VerifyOut(verified=True, application=snapshot(target, lang), resumed=True)


def _resumable(session: Session, application: Application) -> Application | None:
    """The furthest-along in-progress application that proved the same phone earlier."""
    candidates = (
        session.query(Application)
        .filter(
            Application.phone_hmac == application.phone_hmac,
            Application.status == IN_PROGRESS,
            Application.phone_verified_at.isnot(None),
            Application.id != application.id,
        )
        .with_for_update()
        .all()
    )
    if not candidates:
        return None
    return max(candidates, key=lambda a: (progress_rank(a), a.updated_at))


def _merge(tx: Tx, source: Application, target: Application) -> None:
    """Continue `target` in the conversation that just proved the phone; `source` ends as merged."""
    latest = (
        tx.session.query(ConsentRecord)
        .filter(ConsentRecord.application_id == source.id)
        .order_by(ConsentRecord.id.desc())
        .first()
    )
    if latest is not None:
        # The consent given in this conversation is the current one: the resumed application keeps it.
        tx.session.add(
            ConsentRecord(
                application_id=target.id,
                accepted=latest.accepted,
                notice_version=latest.notice_version,
                utterance=latest.utterance,
                channel=latest.channel,
                audio_sha256=latest.audio_sha256,
                recorded_at=latest.recorded_at,
                copied_from=latest.id,
            )
        )
        target.consent = latest.accepted
    target.sender_id, target.channel = source.sender_id, source.channel
    link_sender(tx, target.id, source.sender_id)
    target.phone_verified_at = to_db(tx.now)
    target.paused_at = None
    touch(target, tx.now)
    source.status = CANCELLED
    source.cancel_reason = "merged"
    source.merged_into = target.id
    # The number now lives only in the resumed application (data minimisation).
    source.phone_enc = source.phone_hmac = None
    touch(source, tx.now)
    tx.audit("application.merged", source.id, into=target.id)
    tx.audit("application.resumed", target.id, merged_from=source.id, channel=source.channel)
    log.info("application %s resumed from %s", target.id, source.id)
