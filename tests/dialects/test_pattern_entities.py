"""Pattern entities (id_number, phone_number, bank_card, sms_code, option) on normalised text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from privacy.numbers import id_check_char

pytest.importorskip("rasa")

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from dialects.components.number_normalizer import SpokenNumberNormalizer  # noqa: E402
from dialects.components.pattern_entities import (  # noqa: E402
    PatternEntityExtractor,
    extract_pattern_entities,
)

VALID_ID = "110101199003077777"[:17] + id_check_char("11010119900307777")
WRONG_ID = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")


def _by_type(entities: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for e in entities:
        out.setdefault(e["entity"], []).append(e)
    return out


def test_valid_id_number() -> None:
    text = f"身份证号{VALID_ID}"
    [entity] = extract_pattern_entities(text)
    assert entity["entity"] == "id_number"
    assert entity["value"] == VALID_ID
    assert entity["valid"] is True
    assert entity["confidence_entity"] == 1.0
    assert text[entity["start"] : entity["end"]] == VALID_ID


def test_id_with_x_check_character() -> None:
    [entity] = extract_pattern_entities("身份证11010519491231002x")
    assert (entity["entity"], entity["value"], entity["valid"]) == ("id_number", "11010519491231002X", True)


def test_wrong_check_digit_is_kept_but_flagged() -> None:
    [entity] = extract_pattern_entities(f"我的身份证是{WRONG_ID}")
    assert entity["entity"] == "id_number"
    assert entity["value"] == WRONG_ID
    assert entity["valid"] is False
    assert entity["confidence_entity"] == 0.5


def test_phone_number() -> None:
    [entity] = extract_pattern_entities("手机13812345678")
    assert (entity["entity"], entity["value"], entity["start"], entity["end"]) == (
        "phone_number",
        "13812345678",
        2,
        13,
    )


def test_eleven_digits_not_a_mobile_prefix() -> None:
    assert extract_pattern_entities("12812345678") == []


def test_bank_card_luhn() -> None:
    [good] = extract_pattern_entities("卡号6225887850255171")
    assert (good["entity"], good["valid"], good["confidence_entity"]) == ("bank_card", True, 1.0)
    [bad] = extract_pattern_entities("卡号6225887850255172")
    assert (bad["entity"], bad["valid"], bad["confidence_entity"]) == ("bank_card", False, 0.5)
    [nineteen] = extract_pattern_entities("6228483838389923525")
    assert nineteen["entity"] == "bank_card"


def test_sms_code() -> None:
    [entity] = extract_pattern_entities("验证码是482913")
    assert (entity["entity"], entity["value"]) == ("sms_code", "482913")


def test_digit_runs_are_maximal() -> None:
    # no 6-digit code is cut out of a phone number, an ID or a card
    for text in ("13812345678", VALID_ID, "6225887850255171", "1234567"):
        assert "sms_code" not in _by_type(extract_pattern_entities(text))
    # digits glued to Latin letters are not ours (order numbers, codes)
    assert extract_pattern_entities("AB123456") == []


def test_several_fields_in_one_sentence() -> None:
    entities = _by_type(extract_pattern_entities(f"我叫李四,身份证号{VALID_ID},手机13812345678"))
    assert [e["value"] for e in entities["id_number"]] == [VALID_ID]
    assert [e["value"] for e in entities["phone_number"]] == ["13812345678"]
    assert "sms_code" not in entities


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("B", "2"),
        ("选C", "3"),
        ("第二个", "2"),
        ("4", "4"),
        ("我的答案是A", "1"),
        ("我觉得选项D比较合适吧", "4"),
    ],
)
def test_option(text: str, value: str) -> None:
    options = _by_type(extract_pattern_entities(text))["option"]
    assert [o["value"] for o in options] == [value]


@pytest.mark.parametrize(
    "text", ["我想开一个账户", "一到三年", "我选了A股", "我是第一次开户", "选一个好券商吧"]
)
def test_no_option_in_ordinary_sentences(text: str) -> None:
    assert "option" not in _by_type(extract_pattern_entities(text))


@pytest.fixture
def components(tmp_path: Path) -> tuple[SpokenNumberNormalizer, PatternEntityExtractor]:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    normalizer = SpokenNumberNormalizer.create({}, storage, Resource("norm"), context)
    extractor = PatternEntityExtractor.create({}, storage, Resource("pat"), context)
    return normalizer, extractor


def test_components_on_a_spoken_message(components) -> None:
    normalizer, extractor = components
    original = "我叫张三，身份证号一一零一零一一九九零零三零七七七七叉，手机幺三八 幺二三四 五六七八"
    message = Message(data={"text": original})
    [message] = extractor.process(normalizer.process([message]))

    assert message.get("text") == "我叫张三，身份证号11010119900307777X，手机13812345678"
    assert message.get("normalized_text") == message.get("text")
    assert message.get("original_text") == original
    output = message.as_dict(only_output_properties=True)
    assert output["normalized_text"] == message.get("text")

    entities = _by_type(message.get("entities"))
    assert entities["id_number"][0]["value"] == "11010119900307777X"
    assert entities["phone_number"][0]["value"] == "13812345678"
    assert all(e["extractor"] == "PatternEntityExtractor" for e in message.get("entities"))
    for e in message.get("entities"):
        assert message.get("text")[e["start"] : e["end"]] == e["value"]


def test_training_examples_keep_entity_offsets(components) -> None:
    from rasa.shared.nlu.training_data.training_data import TrainingData

    normalizer, _ = components
    text = "身份证号一一零一零一一九九零零三零七七七七叉，我叫王芳"
    start = text.index("王芳")
    example = Message(
        data={
            "text": text,
            "intent": "inform",
            "entities": [{"entity": "name", "start": start, "end": start + 2, "value": "王芳"}],
        }
    )
    [processed] = normalizer.process_training_data(TrainingData([example])).training_examples
    [entity] = processed.get("entities")
    assert processed.get("text")[entity["start"] : entity["end"]] == "王芳"
    assert processed.get("normalized_text") is None  # training examples get no output keys


def test_intent_triggers_are_untouched(components) -> None:
    normalizer, extractor = components
    message = Message(data={"text": '/inform{"phone_number": "138 1234 5678"}'})
    [message] = extractor.process(normalizer.process([message]))
    assert message.get("text") == '/inform{"phone_number": "138 1234 5678"}'
    assert not message.get("entities")


def test_learnt_name_pieces_are_merged_and_numbers_win() -> None:
    from dialects.components.pattern_entities import reconcile_learnt_entities

    text = "我叫努尔艾力，手机13812345678"
    diet = [
        {"entity": "name", "start": 2, "end": 4, "value": "努尔", "extractor": "DIETClassifier"},
        {"entity": "name", "start": 4, "end": 6, "value": "艾力", "extractor": "DIETClassifier"},
        {"entity": "name", "start": 9, "end": 12, "value": "138", "extractor": "DIETClassifier"},
    ]
    ours = [dict(e, extractor="PatternEntityExtractor") for e in extract_pattern_entities(text)]
    result = reconcile_learnt_entities(text, diet + ours, "PatternEntityExtractor")
    assert [(e["entity"], e["value"]) for e in result] == [
        ("name", "努尔艾力"),
        ("phone_number", "13812345678"),
    ]
    # names separated by anything stay separate
    two = [
        {"entity": "name", "start": 0, "end": 2, "value": "张三", "extractor": "DIETClassifier"},
        {"entity": "name", "start": 3, "end": 5, "value": "李四", "extractor": "DIETClassifier"},
    ]
    assert len(reconcile_learnt_entities("张三和李四", two, "PatternEntityExtractor")) == 2
