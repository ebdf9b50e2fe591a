"""Sandbox-only views (the SMS outbox), so end-to-end tests can read what a real phone would receive."""

from __future__ import annotations

from backend.db import from_db
from backend.errors import not_found
from backend.models import SandboxOutbox
from backend.schemas import SandboxSmsOut
from backend.services.context import Services
from backend.validation.phone import normalize_phone


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
