"""Personal numbers — mainland mobile numbers, resident ID numbers (GB 11643), bank cards (Luhn), SMS codes:
their shapes and check digits, finding them in text, and how they may be shown.

One policy for every room: the NLU grades what it hears with these checks, the actions pick numbers out of
answers, the backend validates and masks what it stores, the gateway checks paths, and the redaction of stores
and logs masks what slips through. Spoken forms (幺三八…, ༡༢༣, number words) become digits in the NLU's
normaliser (dialects.numbers) before anything here reads the text.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import luhn
from stdnum.cn import ric

PHONE = re.compile(r"1[3-9]\d{9}")  # MIIT numbering plan: 11 digits, 13x-19x
ID_NUMBER = re.compile(r"\d{17}[\dX]")
CARD = re.compile(r"\d{16,19}")  # ISO/IEC 7812 lengths of Chinese bank cards
SMS_CODE = re.compile(r"\d{6}")
PATTERNS = {"phone": PHONE, "id_number": ID_NUMBER, "card": CARD, "sms_code": SMS_CODE}

_SEPARATORS = re.compile(r"[\s\-_.·]+")
# A maximal run of digits; an ID's check character X only at its end.
_DIGIT_RUN = re.compile(r"\d+[Xx]?")


def digits_text(raw: str) -> str:
    """NFKC turns full-width '１３８' into '138'; separators people put between digit groups are dropped."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))


def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character ('0'-'9' or 'X') of the first 17 digits of a resident ID."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("expected 17 ASCII digits")
    return ric.calc_check_digit(first17 + "0")  # stdnum's calculation ignores the last character


def is_valid_id_number(value: str) -> bool:
    """17 digits and the right GB 11643 check character (x or X). Only the check digit: the birth date and
    region are the backend's rules (stdnum's full validation knows fewer regions than the flow accepts)."""
    return (
        len(value) == 18
        and value[:17].isascii()
        and value[:17].isdigit()
        and id_check_char(value[:17]) == value[17].upper()
    )


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of bank card numbers."""
    return bool(digits) and digits.isascii() and digits.isdigit() and luhn.is_valid(digits)


def luhn_check_digit(partial: str) -> str:
    """The digit that makes `partial` + digit pass the Luhn check."""
    return luhn.calc_check_digit(partial)


def normalize_phone(raw: str) -> str | None:
    """The 11-digit number, or None when it is not a mainland mobile number; '+86'/'0086'/'86' is accepted."""
    text = digits_text(raw)
    for prefix in ("+86", "0086"):
        text = text.removeprefix(prefix)
    if len(text) == 13 and text.startswith("86"):
        text = text[2:]
    return text if PHONE.fullmatch(text) else None


def digit_runs(text: str) -> list[str]:
    """The maximal digit runs in `text` (full-width digits count), an ID's closing x upper-cased."""
    return [run.upper() for run in _DIGIT_RUN.findall(unicodedata.normalize("NFKC", text or ""))]


def find(kind: str, text: str) -> str | None:
    """The first digit run in `text` that has the whole shape of `kind` (phone, id_number, card, sms_code)."""
    pattern = PATTERNS[kind]
    return next((run for run in digit_runs(text) if pattern.fullmatch(run)), None)


# --- what may be shown ---------------------------------------------------------------------------------


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


def mask_name(name: str) -> str:
    # The surname only: enough for a reviewer on the phone to address the person, not to identify them.
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_keys(digits: str) -> str:
    """What a log may show of keypad input or a stray number: its length only."""
    return f"<{len(digits)} keys>"


# Free text (log lines, handoff reasons): anything shaped like an ID, card or phone number is masked.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_CARD_LIKE = re.compile(r"(?<!\d)\d{12,19}(?!\d)")
_PHONE_LIKE = re.compile(rf"(?<!\d){PHONE.pattern}(?!\d)")
# 4+ digits standing alone (codes, keypad entries); digits inside an identifier ("web-2024a") stay readable.
STANDALONE_DIGITS = re.compile(r"(?<![A-Za-z0-9_.:@-])\d{4,}[Xx]?(?![A-Za-z0-9])")


def redact(text: str) -> str:
    """ID, card and phone numbers in free text, masked as replies show them."""
    text = _ID_LIKE.sub(lambda m: mask_id(m.group(0)), text)
    text = _CARD_LIKE.sub(lambda m: mask_card(m.group(0)), text)
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


def redact_digits(text: str) -> str:
    """Stricter, for channels that handle keypad input: every stand-alone run of 4+ digits."""
    return STANDALONE_DIGITS.sub(lambda m: mask_keys(m.group()), text)
