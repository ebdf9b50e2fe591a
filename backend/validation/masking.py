"""Masked forms for replies, logs and the audit trail. Raw numbers never leave the service unmasked."""

from __future__ import annotations

import re


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_id(id_number: str) -> str:
    # Keeps the province/city (first 4) and the last 4: enough to read back, not enough to reuse.
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_card(card_number: str) -> str:
    if len(card_number) < 8:
        return "****"
    return f"{card_number[:4]} **** **** {card_number[-4:]}"


def mask_account(account_number: str) -> str:
    return account_number[:2] + "*" * max(len(account_number) - 6, 0) + account_number[-4:]


# Safety net for free text (log lines, handoff reasons): anything shaped like an ID, card or phone number.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_CARD_LIKE = re.compile(r"(?<!\d)\d{12,19}(?!\d)")
_PHONE_LIKE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def redact(text: str) -> str:
    text = _ID_LIKE.sub(lambda m: mask_id(m.group(0)), text)
    text = _CARD_LIKE.sub(lambda m: mask_card(m.group(0)), text)
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


def mask_name(name: str) -> str:
    # The surname only: enough for a reviewer on the phone to address the person, not to identify them.
    return name[:1] + "*" * max(len(name) - 1, 1)
