"""Dialect normalisation, number words in other scripts and names in Tibetan/Uyghur script."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from dialects.components.dialect_normalizer import DialectNormalizer
from dialects.components.language_identifier import LanguageIdentifier
from dialects.components.number_normalizer import SpokenNumberNormalizer
from dialects.names import script_name
from dialects.numbers import normalize_spoken_digits, normalize_with_spans, option_from_text
from dialects.rewrites import map_offset

PIPELINE = (LanguageIdentifier, DialectNormalizer, SpokenNumberNormalizer)


def run(text: str, *, training: bool = False, entities: list[dict] | None = None) -> Message:
    message = Message(data={"text": text, **({"entities": entities} if entities else {})})
    for component in PIPELINE:
        instance = component({**component.get_default_config()})
        instance.handle(message, training=training)
    return message


def test_cantonese_becomes_simplified_mandarin_and_keeps_the_original() -> None:
    message = run("我想開個戶口,唔該")
    assert message.get("text") == "我想开个账户,谢谢"
    assert message.get("original_text") == "我想開個戶口,唔該"
    assert message.get("normalized_text") == message.get("text")
    assert message.get("language") == "yue" and message.get("dialect") == "cantonese"
    assert {"entity": "language", "value": "yue", "extractor": "LanguageIdentifier"} in message.get(
        "entities"
    )


def test_undecided_messages_carry_no_language_entity() -> None:
    message = run("好")
    assert message.get("language") == "zh"
    assert not [e for e in message.get("entities", []) if e["entity"] == "language"]


def test_training_examples_keep_entity_offsets_through_every_rewrite() -> None:
    text = "我系陳大文,冇問題"
    entities = [{"entity": "name", "value": "陳大文", "start": 2, "end": 5}]
    message = run(text, training=True, entities=entities)
    [entity] = message.get("entities")
    assert message.get("text")[entity["start"] : entity["end"]] == entity["value"] == "陈大文"
    assert message.get("original_text") is None  # training examples get no extra keys


def test_button_payloads_are_left_alone() -> None:
    assert run('/inform{"option": "2"}').get("text") == '/inform{"option": "2"}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ཁ་པར་གཅིག་གསུམ་བརྒྱད་གཅིག་གཉིས་གསུམ་བཞི་ལྔ་དྲུག་བདུན་བརྒྱད།", "ཁ་པར་13812345678།"),
        ("༡༣༨༡༢༣༤༥༦༧༨", "13812345678"),
        ("بىر ئۈچ سەككىز، بىر ئىككى ئۈچ تۆت، بەش ئالتە يەتتە سەككىز", "13812345678"),
        ("٥٤٠١٠٢", "540102"),
        ("རྩིས་ཐོ་གཅིག་ཁ་ཕྱེ་འདོད།", "རྩིས་ཐོ་གཅིག་ཁ་ཕྱེ་འདོད།"),  # "an account": one number word stays a word
        ("بىرىنچى", "بىرىنچى"),  # "first" starts with بىر but is not a digit
    ],
)
def test_number_words_of_other_languages_become_digits(text: str, expected: str) -> None:
    assert normalize_spoken_digits(text) == expected


def test_offsets_follow_number_words_and_digit_glue() -> None:
    text = "ནང་བཞི་ལྔ་དྲུག 789 ཡིན"
    normalized, rewrites = normalize_with_spans(text)
    assert normalized == "ནང་456789 ཡིན"
    assert normalized[map_offset(rewrites, text.index("ཡིན")) :] == "ཡིན"


@pytest.mark.parametrize(
    ("text", "option"),
    [
        ("གཉིས་པ།", 2),
        ("༣", 3),
        ("ئىككىنچىسى", 2),
        ("B نى تاللايمەن", 2),
        ("揀C", 3),
        ("第二個", 2),
        ("我选了A股", None),
    ],
)
def test_answer_choices_in_every_language(text: str, option: int | None) -> None:
    assert option_from_text(text) == option


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ངའི་མིང་ལ་བཀྲ་ཤིས་བདེ་སྐྱིད་ཟེར།", "བཀྲ་ཤིས་བདེ་སྐྱིད"),
        ("སྒྲོལ་མ།", "སྒྲོལ་མ"),
        ("مېنىڭ ئىسمىم ئايگۈل مەمەت", "ئايگۈل مەمەت"),
        ("ئەركىن تۇرسۇن", "ئەركىن تۇرسۇن"),
        ("ང་ཚོང་རྐང་གི་རྩིས་ཐོ་ཞིག་ཁ་ཕྱེ་འདོད་ཀྱི་ཡོད།", None),
    ],
)
def test_names_in_tibetan_and_uyghur_script(text: str, name: str | None) -> None:
    assert script_name(text) == name
