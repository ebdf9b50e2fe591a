"""Bank card numbers: 16-19 digits, Luhn check digit (ISO/IEC 7812), issuer from the BIN table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from backend.content import load_yaml
from privacy.numbers import CARD, digits_text, luhn_valid, mask_card


@dataclass(frozen=True)
class Bank:
    code: str
    name: str
    short_name: str


@dataclass(frozen=True)
class CardCheck:
    valid: bool
    reason: str | None = None  # format | luhn | unknown_bin
    card_number: str | None = None
    bank: Bank | None = None

    @property
    def masked(self) -> str | None:
        return mask_card(self.card_number) if self.card_number else None


@lru_cache(maxsize=1)
def _bins() -> tuple[dict[str, Bank], int]:
    data = load_yaml("card_bins.yml")
    banks = {code: Bank(code, info["name"], info["short_name"]) for code, info in data["banks"].items()}
    table = {str(prefix): banks[code] for prefix, code in data["bins"].items()}
    return table, max(len(prefix) for prefix in table)


def lookup_bank(number: str) -> Bank | None:
    """Longest prefix wins, so a specific BIN can override a shorter, broader one."""
    table, longest = _bins()
    for length in range(min(longest, len(number)), 0, -1):
        bank = table.get(number[:length])
        if bank is not None:
            return bank
    return None


def validate_card(raw: str) -> CardCheck:
    text = digits_text(raw)
    if not CARD.fullmatch(text):
        return CardCheck(False, "format")
    if not luhn_valid(text):
        return CardCheck(False, "luhn")
    bank = lookup_bank(text)
    if bank is None:
        return CardCheck(False, "unknown_bin")
    return CardCheck(True, card_number=text, bank=bank)
