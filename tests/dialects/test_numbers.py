"""Spoken/written digit normalisation and answer-choice parsing (dialects.numbers, dialects.checksums)."""

from __future__ import annotations

import pytest

from dialects.numbers import (
    find_option,
    map_offset,
    normalize_spoken_digits,
    normalize_with_spans,
    option_from_text,
)
from privacy.numbers import id_check_char, is_valid_id_number, luhn_valid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("幺三八幺二三四五六七八", "13812345678"),
        ("一三八一二三四五六七八", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("幺三八，幺二三四，五六七八", "13812345678"),
        ("幺三八 幺二三四 五六七八", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("手机两零洞", "手机200"),
        ("验证码是 123 456", "验证码是 123456"),
        ("验证码六五三二八一", "验证码653281"),
        ("一九九零年三月七号", "1990年三月七号"),
        ("二零二四年", "2024年"),
        ("卡号6222 0212 3456 7890 123", "卡号6222021234567890123"),
        ("138幺2345678", "13812345678"),
        ("兩三四", "234"),
    ],
)
def test_digit_runs_become_ascii(text: str, expected: str) -> None:
    assert normalize_spoken_digits(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "我想开一个账户",
        "两个问题",
        "等一下",
        "我叫张三",
        "我叫李四",
        "一到三年",
        "三五年吧",
        "三三两两的人",
        "一五一十地说",
        "九九八十一难",
        "第一个",
        "选二",
        "十一位数",
        "我有五六年经验",
        "2018-2023年炒过股",
        "",
    ],
)
def test_ordinary_words_are_left_alone(text: str) -> None:
    assert normalize_spoken_digits(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一一零一零一一九九零零三零七七七七叉", "11010119900307777X"),
        ("一一零一零一一九九零零三零七七七七艾克斯", "11010119900307777X"),
        ("11010119900307777x", "11010119900307777X"),
        ("110101 19900307 777X", "11010119900307777X"),
        ("身份证号 110101 19900307 777 x", "身份证号 11010119900307777X"),
    ],
)
def test_id_check_character_x(text: str, expected: str) -> None:
    assert normalize_spoken_digits(text) == expected


def test_x_only_after_seventeen_digits() -> None:
    # 16 digits + x is not an ID: the letter stays as typed
    assert normalize_spoken_digits("1234567890123456x") == "1234567890123456x"
    # an English word after an ID-length run is not the check character
    assert normalize_spoken_digits("11010119900307777 xyz") == "11010119900307777 xyz"


def test_separate_numbers_are_not_glued() -> None:
    # a complete phone number is not extended by the code that follows it
    assert normalize_spoken_digits("手机13812345678，123456") == "手机13812345678，123456"
    assert normalize_spoken_digits("手机13812345678 验证码123456") == "手机13812345678 验证码123456"
    # a name ending in a digit word keeps it even right before a spoken number
    assert normalize_spoken_digits("我叫李四 幺三八 幺二三四 五六七八") == "我叫李四 13812345678"


def test_several_fields_in_one_sentence() -> None:
    text = "我叫张三,身份证号一一零一零一一九九零零三零七七七七叉,手机幺三八幺二三四五六七八"
    assert normalize_spoken_digits(text) == "我叫张三,身份证号11010119900307777X,手机13812345678"


def test_offsets_map_onto_normalised_text() -> None:
    text = "身份证号一一零一零一一九九零零三零七七七七叉，我叫王芳"
    normalized, rewrites = normalize_with_spans(text)
    start, end = text.index("王芳"), text.index("王芳") + 2
    new_start, new_end = map_offset(rewrites, start), map_offset(rewrites, end, is_end=True)
    assert normalized[new_start:new_end] == "王芳"
    # before the rewrite nothing moves
    assert map_offset(rewrites, 2) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("4", 4),
        ("２", 2),
        ("A", 1),
        ("b", 2),
        ("选A", 1),
        ("选C吧", 3),
        ("A项", 1),
        ("选项B", 2),
        ("B选项", 2),
        ("第一个", 1),
        ("第二项", 2),
        ("第三", 3),
        ("第四个吧", 4),
        ("一", 1),
        ("二", 2),
        ("三", 3),
        ("四", 4),
        ("嗯，选二吧", 2),
        ("我选择第3个选项", 3),
        ("我的答案是D", 4),
        ("我觉得第二个比较好", 2),
        ("B呗", 2),  # the closing particles of the dialects: Northeastern 呗/嗷, Sichuanese 噻/撒
        ("第一个噻", 1),
        ("C嗷", 3),
    ],
)
def test_option_from_text(text: str, expected: int) -> None:
    assert option_from_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "5",
        "E",
        "一到三年",
        "我想开一个账户",
        "我选了A股",
        "选一个好的券商",
        "C1",
        "两个",
        "第一次开户",
        "",
        "我想开户",
    ],
)
def test_not_an_option(text: str) -> None:
    assert option_from_text(text) is None


def test_find_option_reports_the_choice_span() -> None:
    assert find_option("选项B") == (2, 2, 3)


def test_id_check_digit_gb11643() -> None:
    assert id_check_char("11010519491231002") == "X"  # the standard's worked example
    assert is_valid_id_number("11010519491231002X")
    assert is_valid_id_number("11010519491231002x")
    assert not is_valid_id_number("110105194912310021")
    assert not is_valid_id_number("1101051949123100")
    with pytest.raises(ValueError):
        id_check_char("1234")


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("6225887850255171")
    assert not luhn_valid("6225887850255172")
    assert not luhn_valid("")
    assert not luhn_valid("62258878502551a1")
