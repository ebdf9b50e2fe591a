"""Turning what users say into the values each step needs."""

from __future__ import annotations

import pytest

from actions.parsing import (
    clean_name,
    find_card,
    find_id_number,
    find_phone,
    find_sms_code,
    name_from_message,
    option_answer,
)

OPTIONS = ["没有投资经验", "不到1年", "1到3年", "3年以上"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("张三", "张三"),
        ("我叫张三", "张三"),
        ("我的名字是欧阳娜娜。", "欧阳娜娜"),
        ("姓名:司马光", "司马光"),
        ("我叫王建国,身份证号110101198506120019", "王建国"),
        ("嗯 李四", "李四"),
        ("我叫热依汗古丽·艾买提", "热依汗古丽·艾买提"),  # dotted minority names may be longer than 8
        ("我叫阿卜杜热合曼·买买提·艾力", "阿卜杜热合曼·买买提·艾力"),
        ("12345", None),
        ("你", None),
    ],
)
def test_clean_name(text: str, expected: str | None) -> None:
    assert clean_name(text) == expected


@pytest.mark.parametrize(
    ("tagged", "said", "expected"),
    [
        # the Chinese name on the ID card is optional; given with the own-script name, both are kept
        (
            ["麦麦提", "ئايگۈل مەمەت", "阿依古丽", "麦麦提"],  # Rasa's slot value (the last) comes first
            "مېنىڭ ئىسمىم ئايگۈل مەمەت، خەنزۇچە ئىسمىم 阿依古丽·麦麦提",
            "ئايگۈل مەمەت 阿依古丽·麦麦提",
        ),
        (
            ["扎西德吉", "བཀྲ་ཤིས"],
            "ངའི་མིང་ལ་བཀྲ་ཤིས་བདེ་སྐྱིད་ཟེར། རྒྱ་ཡིག་ཏུ་扎西德吉",
            "བཀྲ་ཤིས་བདེ་སྐྱིད 扎西德吉",
        ),
        (["ئايگۈل"], "مېنىڭ ئىسمىم ئايگۈل مەمەت", "ئايگۈل مەمەت"),  # tagged in part, the whole name
        (["热依汗古丽·艾买提"], "ئىسمىم 热依汗古丽·艾买提", "热依汗古丽·艾买提"),
        (["张三"], "我叫张三身份证号110101198506120019", "张三"),  # never widened into the next words
        (["阿依古丽", "麦麦提"], "我叫阿依古丽•麦麦提", "阿依古丽·麦麦提"),  # any dot the keyboard makes
        (["阿依古丽"], "ئىسمىم 阿依古丽·麦麦提", "阿依古丽·麦麦提"),  # a part left untagged
        (["麦麦提"], "我叫阿依古丽·麦麦提", "阿依古丽·麦麦提"),
        (["陈大文"], "我叫陳大文", "陈大文"),  # tagged in the normalised text only: as tagged
        ([], "我叫王芳", "王芳"),  # nothing tagged: the sentence itself
    ],
)
def test_name_from_message(tagged: list[str], said: str, expected: str | None) -> None:
    assert name_from_message(tagged, said, said) == expected


@pytest.mark.parametrize(
    ("tagged", "understood", "said", "expected"),
    [
        (["孟庆"], "我叫孟庆山", "俺叫孟庆山", "孟庆山"),  # tagged one character short
        (["黃慧"], "我的名字是黄慧珊", "我個名係黃慧珊", "黃慧珊"),  # in the characters the user wrote
        (["孟庆山"], "我叫孟庆山啊", "我叫孟庆山啊", "孟庆山"),  # a closing particle is not part of it
        (["张三"], "我叫张三身份证号110101198506120019", "同", "张三"),  # more follows: as tagged
        (["王芳"], "王芳,我是学生", "王芳,我是学生", "王芳"),  # another clause's 我是 is no name
    ],
)
def test_a_name_tagged_short_is_completed_from_its_clause(
    tagged: list[str], understood: str, said: str, expected: str
) -> None:
    assert name_from_message(tagged, understood, said) == expected


def test_numbers_in_words_and_digits() -> None:
    assert find_phone("我的手机是幺三八 幺二三四 五六七八") == "13812345678"
    assert find_phone("12345") is None
    assert find_id_number("身份证一一零一零一一九九零零三零七一二三叉") == "11010119900307123X"
    assert find_id_number("110101199003071") is None
    assert find_sms_code("验证码是 246810") == "246810"
    assert find_sms_code("13812345678") is None  # a phone number is not a code
    assert find_card("卡号6222021234567890123") == "6222021234567890123"


@pytest.mark.parametrize(
    "text, expected",
    [("1", 1), ("B", 2), ("选C", 3), ("第四个", 4), ("1到3年", 3), ("没有投资经验", 1), ("随便", None)],
)
def test_option_answer(text: str, expected: int | None) -> None:
    assert option_answer(text, OPTIONS) == expected
