"""Resident identity numbers, GB 11643-1999.

18 characters: 6-digit region, 8-digit birth date, 3-digit sequence (odd = male), check character from
ISO 7064 MOD 11-2 over the first 17 digits. Every rule is checked for real; only the province (first two
digits) is checked against data, because county codes change every year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.content import load_yaml
from privacy.numbers import ID_NUMBER, digits_text, id_check_char, mask_id

MIN_BIRTH_YEAR = 1900


@dataclass(frozen=True)
class IdCheck:
    valid: bool
    reason: str | None = None  # format | checksum | birth_date | region
    id_number: str | None = None  # normalised (upper-case X)
    birth_date: date | None = None
    age: int | None = None
    gender: str | None = None  # male | female
    region: str | None = None

    @property
    def masked(self) -> str | None:
        return mask_id(self.id_number) if self.id_number else None


def age_on(birth: date, today: date) -> int:
    """Completed years; someone born on 29 February turns a year older on 1 March in common years."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def provinces() -> dict[str, str]:
    return {str(k): v for k, v in load_yaml("id_regions.yml")["provinces"].items()}


def validate_id_number(raw: str, today: date) -> IdCheck:
    text = digits_text(raw).upper()
    if not ID_NUMBER.fullmatch(text):
        return IdCheck(False, "format")
    if id_check_char(text[:17]) != text[17]:
        return IdCheck(False, "checksum")
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return IdCheck(False, "birth_date")
    if birth.year < MIN_BIRTH_YEAR or birth > today:
        return IdCheck(False, "birth_date")
    region = provinces().get(text[:2])
    if region is None:
        return IdCheck(False, "region")
    return IdCheck(
        valid=True,
        id_number=text,
        birth_date=birth,
        age=age_on(birth, today),
        gender="male" if int(text[16]) % 2 else "female",
        region=region,
    )
