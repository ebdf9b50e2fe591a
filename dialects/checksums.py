"""Check digits used to tell a mistyped or misheard number from a plausible one.

The NLU only uses them to *grade* a candidate (confidence, ``valid``); the backend has its own validator and
is the authority. Keep the GB 11643 rule in this one function so the NLU never carries two copies.
"""

from __future__ import annotations

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character ('0'-'9' or 'X') for the first 17 digits of a resident ID.

    ISO 7064 MOD 11-2: weighted sum of the 17 digits modulo 11 indexes into "10X98765432".
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("expected 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def is_valid_id_number(value: str) -> bool:
    """True when ``value`` is 17 digits plus the correct GB 11643 check character (X upper or lower case)."""
    if len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit():
        return False
    return id_check_digit(value[:17]) == value[17].upper()


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check used by bank card numbers (ISO/IEC 7812)."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
