"""Sandbox-only views (the SMS outbox), so end-to-end tests can read what a real phone would receive."""

from __future__ import annotations

from datetime import timedelta

from backend.db import from_db, to_db
from backend.errors import not_found
from backend.models import SandboxOutbox, SmsChallenge
from backend.schemas import SandboxRewindOut, SandboxSmsOut
from backend.services.context import Services
from privacy.numbers import mask_phone, normalize_phone


def last_sms(ctx: Services, raw_phone: str) -> SandboxSmsOut:
    phone = normalize_phone(raw_phone)
    if not ctx.settings.sandbox_mode or phone is None:
        raise not_found("sandbox message")
    with ctx.db.session() as session:
        message = (
            session.query(SandboxOutbox)
            .filter(SandboxOutbox.phone_hmac == ctx.vault.digest("phone", phone))
            .order_by(SandboxOutbox.id.desc())
            .first()
        )
        if message is None:
            raise not_found("sandbox message")
        return SandboxSmsOut(
            phone=phone,
            code=message.code,
            sent_at=from_db(message.sent_at),
            expires_at=from_db(message.expires_at),
            text=message.text,
            lang=message.lang,
        )


def rewind_sms(ctx: Services, raw_phone: str, seconds: int) -> SandboxRewindOut:
    phone = normalize_phone(raw_phone)
    if not ctx.settings.sandbox_mode or phone is None:
        raise not_found("sandbox message")
    shift = timedelta(seconds=seconds)
    with ctx.db.transaction() as tx:
        phone_hmac = ctx.vault.digest("phone", phone)
        challenges = tx.session.query(SmsChallenge).filter(SmsChallenge.phone_hmac == phone_hmac).all()
        for challenge in challenges:
            challenge.created_at = to_db(from_db(challenge.created_at) - shift)
            challenge.expires_at = to_db(from_db(challenge.expires_at) - shift)
        for message in tx.session.query(SandboxOutbox).filter(SandboxOutbox.phone_hmac == phone_hmac):
            message.sent_at = to_db(from_db(message.sent_at) - shift)
            message.expires_at = to_db(from_db(message.expires_at) - shift)
        return SandboxRewindOut(phone_masked=mask_phone(phone), rewound=len(challenges))
