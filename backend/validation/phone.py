"""Mainland mobile numbers: 11 digits, 1[3-9]x (MIIT numbering plan)."""

from __future__ import annotations

import re

from backend.validation.normalize import digits_text

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(raw: str) -> str | None:
    """The 11-digit number, or None when it is not a valid mainland mobile number. '+86'/'86' is accepted."""
    text = digits_text(raw)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif len(text) == 13 and text.startswith("86"):
        text = text[2:]
    return text if PHONE_RE.match(text) else None
