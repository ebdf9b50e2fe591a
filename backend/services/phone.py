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
from backend.progress import progress_rank
from backend.providers.base import ProviderError, RecipientRejected
from backend.schemas import CodeSentOut, VerifyOut
from backend.services.application_state import (
    CANCELLED,
    IN_PROGRESS,
    load,
    log,
    provider_failed,
    require_in_progress,
    snapshot,
    touch,
)
from backend.services.applications import link_sender
from backend.services.context import Services
from privacy.numbers import digits_text, mask_phone, normalize_phone


def _code_hash(ctx: Services, salt: str, code: str) -> str:
    # Keyed: a leaked table of 6-digit codes must not be brute-forced offline.
    return ctx.vault.digest("sms", f"{salt}:{code}")


def _last_challenge(tx: Tx, phone_hmac: str) -> SmsChallenge | None:
    """The latest code sent to this number, for whichever application."""
    return (
        tx.session.query(SmsChallenge)
        .filter(SmsChallenge.phone_hmac == phone_hmac)
        .order_by(SmsChallenge.created_at.desc(), SmsChallenge.id.desc())
        .first()
    )


def _cooldown_left(ctx: Services, tx: Tx, last: SmsChallenge | None) -> int:
    """Seconds until this number may get another SMS (one per interval, whoever asks)."""
    if last is None:
        return 0
    wait = from_db(last.created_at) + timedelta(seconds=ctx.settings.sms_resend_interval_s) - tx.now
    return max(0, int(wait.total_seconds() + 0.999))


def _too_soon(retry: int) -> ApiError:
    return ApiError(429, "resend_too_soon", f"A code was sent recently; wait {retry} s.", retry_after_s=retry)


def _tries_counter(tx: Tx, challenge: SmsChallenge) -> SmsChallenge:
    """The challenge whose `tries` count: a reused code shares its origin's, so reuse adds no guesses."""
    if challenge.origin_id is None:
        return challenge
    return tx.session.get(SmsChallenge, challenge.origin_id) or challenge


def _usable(ctx: Services, tx: Tx, challenge: SmsChallenge) -> bool:
    return (
        tx.now < from_db(challenge.expires_at)
        and _tries_counter(tx, challenge).tries < ctx.settings.sms_max_tries
    )


def _check_daily_cap(ctx: Services, tx: Tx, application: Application, phone_hmac: str) -> None:
    """At most sms_max_per_phone_per_day codes to one number a day (reused codes were not sent)."""
    since = to_db(tx.now - timedelta(days=1))
    sent = (
        tx.session.query(SmsChallenge)
        .filter(
            SmsChallenge.phone_hmac == phone_hmac,
            SmsChallenge.origin_id.is_(None),
            SmsChallenge.created_at > since,
        )
        .count()
    )
    if sent >= ctx.settings.sms_max_per_phone_per_day:
        tx.audit("phone.daily_limit", application.id, sent=sent)
        raise ApiError(
            429, "sms_daily_limit", "This number has had today's codes; use another one.", commit=True
        )


def _hold_phone(ctx: Services, tx: Tx, application: Application, phone: str, phone_hmac: str) -> None:
    """The number this application is proving now; any earlier code of the application stops counting."""
    if application.phone_hmac != phone_hmac:
        application.phone_enc = ctx.vault.encrypt(phone)
        application.phone_hmac = phone_hmac
        application.phone_masked = mask_phone(phone)
    application.phone_verified_at = None  # a (re)sent code means the number is to be proven again
    tx.session.query(SmsChallenge).filter(
        SmsChallenge.application_id == application.id, SmsChallenge.superseded.is_(False)
    ).update({"superseded": True})
    touch(application, tx.now)


def _issue(ctx: Services, tx: Tx, application: Application, phone: str) -> str:
    phone_hmac = ctx.vault.digest("phone", phone)
    _check_daily_cap(ctx, tx, application, phone_hmac)
    retry = _cooldown_left(ctx, tx, _last_challenge(tx, phone_hmac))
    if retry:
        raise _too_soon(retry)
    _hold_phone(ctx, tx, application, phone, phone_hmac)
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
    tx.audit("phone.code_sent", application.id, phone=mask_phone(phone))
    return code


def _reuse(ctx: Services, tx: Tx, application: Application, phone: str, last: SmsChallenge) -> CodeSentOut:
    """The number got a code moments ago (another conversation of the same person, a reloaded page, a switch
    from chat to hotline) that is still valid: this application accepts that code instead of sending another
    SMS, which the resend interval would refuse anyway."""
    phone_hmac = last.phone_hmac
    if not (last.application_id == application.id and not last.superseded):
        _hold_phone(ctx, tx, application, phone, phone_hmac)
        tx.session.add(
            SmsChallenge(
                application_id=application.id,
                phone_hmac=phone_hmac,
                salt=last.salt,
                code_hash=last.code_hash,
                created_at=last.created_at,
                expires_at=last.expires_at,
                tries=0,
                superseded=False,
                origin_id=last.origin_id or last.id,
            )
        )
        tx.audit("phone.code_reused", application.id, phone=mask_phone(phone))
    return CodeSentOut(
        phone_masked=mask_phone(phone),
        expires_in_s=max(1, int((from_db(last.expires_at) - tx.now).total_seconds())),
        resend_after_s=_cooldown_left(ctx, tx, last),
        already_sent=True,
    )


def _send(ctx: Services, application_id: str, phone: str, code: str, lang: str) -> CodeSentOut:
    # Sent after the challenge is committed: an outside call never holds the database's write lock.
    sent_at = ctx.settings.now()
    ttl_s = ctx.settings.sms_code_ttl_s
    text, text_lang = content.sms_code_message(code, ttl_s, lang)
    try:
        ctx.providers.sms.send_code_message(phone, code, ttl_s, sent_at, text, text_lang)
    except RecipientRejected as exc:
        log.info("SMS to %s refused for good for %s: %s", mask_phone(phone), application_id, exc)
        _forget_undeliverable(ctx, application_id)
        raise ApiError(422, "sms_undeliverable", "This number cannot receive text messages.") from exc
    except ProviderError as exc:
        log.warning("SMS to %s failed for %s: %s", mask_phone(phone), application_id, exc)
        raise provider_failed("SMS") from exc
    log.info("code sent to %s for %s", mask_phone(phone), application_id)
    return CodeSentOut(
        phone_masked=mask_phone(phone),
        expires_in_s=ctx.settings.sms_code_ttl_s,
        resend_after_s=ctx.settings.sms_resend_interval_s,
    )


def _forget_undeliverable(ctx: Services, application_id: str) -> None:
    """A code that never left is no code: the next number is not held back by its resend interval."""
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        tx.session.query(SmsChallenge).filter(
            SmsChallenge.application_id == application.id, SmsChallenge.superseded.is_(False)
        ).delete()
        application.phone_enc = application.phone_hmac = application.phone_masked = None
        tx.audit("phone.undeliverable", application.id)


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
        if phone in ctx.rules.blocked_phones:
            tx.audit("phone.blocked", application.id, phone=mask_phone(phone))
            raise ApiError(
                403, "phone_blocked", "This number cannot be used to open an account.", commit=True
            )
        last = _last_challenge(tx, ctx.vault.digest("phone", phone))
        if last is not None and _cooldown_left(ctx, tx, last) and _usable(ctx, tx, last):
            return _reuse(ctx, tx, application, phone, last)
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
        counter = _tries_counter(tx, challenge)
        if counter.tries >= max_tries:
            raise ApiError(429, "too_many_tries", "Too many wrong codes; ask for a new one.", tries_left=0)
        code = digits_text(raw_code)
        if not hmac.compare_digest(_code_hash(ctx, challenge.salt, code), challenge.code_hash):
            counter.tries += 1
            tries_left = max_tries - counter.tries
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
