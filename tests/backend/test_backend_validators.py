"""ID numbers (GB 11643-1999), phones, bank cards, masking, and the sandbox fixture values themselves."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from backend_testkit import ADULT_ID, MINOR_ID, ROOT, SENIOR_ID, TURNS_18_TODAY

from backend.validation.bank_card import lookup_bank, validate_card
from backend.validation.id_card import age_on, validate_id_number
from privacy.numbers import (
    id_check_char,
    luhn_check_digit,
    luhn_valid,
    mask_card,
    mask_id,
    mask_phone,
    normalize_phone,
    redact,
)

TODAY = date(2025, 6, 1)


def independent_check_char(first17: str) -> str:
    """MOD 11-2 written the other way round (check = (12 - S mod 11) mod 11), to cross-check the module."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def with_check(first17: str) -> str:
    return first17 + independent_check_char(first17)


@pytest.mark.parametrize("id_number", [ADULT_ID, SENIOR_ID, TURNS_18_TODAY, "440306199203151237"])
def test_valid_ids(id_number: str) -> None:
    result = validate_id_number(id_number, TODAY)
    assert result.valid and result.reason is None
    assert id_check_char(id_number[:17]) == independent_check_char(id_number[:17]) == id_number[17]


def test_valid_id_details() -> None:
    result = validate_id_number(SENIOR_ID, TODAY)
    assert result.birth_date == date(1949, 12, 31)
    assert result.age == 75
    assert result.gender == "female"  # 17th digit 2 is even
    assert result.region == "北京市"
    assert result.masked == "1101**********002X"
    male = validate_id_number(ADULT_ID, TODAY)
    assert male.gender == "male" and male.region == "上海市" and male.age == 39


def test_lowercase_x_is_accepted_and_normalised() -> None:
    result = validate_id_number(SENIOR_ID.lower(), TODAY)
    assert result.valid and result.id_number == SENIOR_ID


def test_spaces_and_full_width_digits_are_accepted() -> None:
    spaced = "３１０１０４ 19850612 3455"
    assert validate_id_number(spaced, TODAY).id_number == ADULT_ID


@pytest.mark.parametrize(
    "bad", ["", "12345", "31010419850612345", "3101041985061234555", "31010419850612345A"]
)
def test_bad_format(bad: str) -> None:
    assert validate_id_number(bad, TODAY).reason == "format"


def test_wrong_check_digit() -> None:
    wrong = ADULT_ID[:17] + ("4" if ADULT_ID[17] != "4" else "6")
    assert validate_id_number(wrong, TODAY).reason == "checksum"
    assert validate_id_number(SENIOR_ID[:17] + "0", TODAY).reason == "checksum"


@pytest.mark.parametrize(
    "birth",
    ["19990230", "20230229", "19851301", "19850000", "18991231", "20250602"],  # 2025-06-02 is tomorrow
)
def test_impossible_or_out_of_range_birth_date(birth: str) -> None:
    assert validate_id_number(with_check("110101" + birth + "123"), TODAY).reason == "birth_date"


def test_leap_day_birth_is_valid() -> None:
    result = validate_id_number(with_check("11010120000229123"), TODAY)
    assert result.valid and result.birth_date == date(2000, 2, 29) and result.age == 25


@pytest.mark.parametrize("region", ["00", "10", "19", "99", "71"])
def test_unknown_region(region: str) -> None:
    assert validate_id_number(with_check(region + "0101198506123" + "45"), TODAY).reason == "region"


def test_age_boundaries() -> None:
    assert validate_id_number(TURNS_18_TODAY, TODAY).age == 18
    assert validate_id_number(MINOR_ID, TODAY).age == 17
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("８６１３９１２３４５６７８", "13912345678"),
        ("19912345678", "19912345678"),
    ],
)
def test_valid_phones(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12812345678", "1381234567", "138123456789", "23812345678", "1381234567a"]
)
def test_invalid_phones(raw: str) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize(
    ("card", "bank"),
    [
        ("6222021234567890128", "中国工商银行"),
        ("6228480123456789015", "中国农业银行"),
        ("9559901234567890125", "中国农业银行"),
        ("6217001234567890122", "中国建设银行"),
        ("6216611234567890126", "中国银行"),
        ("6225880123456783", "招商银行"),
        ("6214830123456781", "招商银行"),
        ("6222620123456789019", "交通银行"),
    ],
)
def test_valid_cards_and_bins(card: str, bank: str) -> None:
    result = validate_card(card)
    assert result.valid, result.reason
    assert result.bank is not None and result.bank.name == bank


def test_card_reasons() -> None:
    assert validate_card("622202123456789").reason == "format"  # 15 digits
    assert validate_card("62220212345678901234").reason == "format"  # 20 digits
    assert validate_card("6222021234567890127").reason == "luhn"
    unknown = "1234567890123" + "456"
    unknown = unknown[:-1] + luhn_check_digit(unknown[:-1])
    assert validate_card(unknown).reason == "unknown_bin"
    assert validate_card("6222 0212 3456 7890 128").valid


def test_luhn_known_values() -> None:
    assert luhn_valid("4111111111111111")  # the classic test card
    assert not luhn_valid("4111111111111112")
    assert luhn_check_digit("411111111111111") == "1"


def test_longest_prefix_wins() -> None:
    assert lookup_bank("9559901234567890125").code == "ABC"  # 5-digit BIN
    assert lookup_bank("6222021234567890128").code == "ICBC"
    assert lookup_bank("1111111111111111") is None


def test_masking() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id("11010119900307777X") == "1101**********777X"
    assert mask_card("6222021234561234") == "6222 **** **** 1234"
    assert mask_card("6222021234567891234") == "6222 **** **** 1234"


def test_redact_free_text() -> None:
    text = f"id {ADULT_ID} phone 13812345678 card 6222021234567890128 path /sandbox/sms/13912345678"
    cleaned = redact(text)
    for raw in (ADULT_ID, "13812345678", "6222021234567890128", "13912345678"):
        assert raw not in cleaned
    assert "3101**********3455" in cleaned and "138****5678" in cleaned and "6222 **** **** 0128" in cleaned


def test_sandbox_fixture_values_are_valid() -> None:
    """The sandbox cases must get past validation, or they would never reach the sandbox providers."""
    data = yaml.safe_load((ROOT / "backend/data/sandbox.yml").read_text(encoding="utf-8"))
    ids = list(data["identity_registry"]) + [
        i
        for key in ("identity_mismatch", "liveness_fail", "existing_customers", "blocked_ids")
        for i in data[key]
    ]
    assert len(ids) == 7
    for id_number in ids:
        assert independent_check_char(id_number[:17]) == id_number[17], id_number
        result = validate_id_number(id_number, TODAY)
        assert result.valid and result.age >= 18, id_number
    assert validate_id_number("440305201803150020", date(2035, 3, 14)).age == 16  # README's long-lived minor
    for card in data["holder_mismatch_cards"]:
        assert validate_card(card).valid, card
