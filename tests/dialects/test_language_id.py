"""Language and dialect identification: script first, dialect cues, Mandarin markers, explicit requests."""

from __future__ import annotations

import pytest

from dialects.language_id import identify, requested_language


@pytest.mark.parametrize(
    ("text", "language", "dialect"),
    [
        ("我想開個戶口,唔該", "yue", "cantonese"),
        ("唔係", "yue", "cantonese"),
        ("講慢啲得唔得", "yue", "cantonese"),
        ("你嘎哈呢", "zh", "northeastern"),
        ("巴适得很", "zh", "sichuanese"),
        ("我想开个股票账户，谢谢", "zh", None),
        ("བཀྲ་ཤིས་བདེ་ལེགས། ང་ཚོང་རྐང་གི་རྩིས་ཐོ་ཞིག་ཁ་ཕྱེ་འདོད།", "bo", None),
        ("مەن پاي ھېساباتى ئاچماقچىمەن", "ug", None),
        ("men hésab achmaqchimen", "ug", None),
        ("hésabatni échishni xalaymen", "ug", None),  # known words with suffixes
        ("hesabat echishni bashlayli", "ug", None),  # and typed without ULY's accents
        ("ང་身份证ཡོད།", "bo", None),
        # a Chinese name or bank in a Tibetan or Uyghur sentence does not make it Mandarin
        ("ئىسمىم 热依汗古丽·艾买提", "ug", None),
        ("ངའི་མིང་ལ་扎西德吉ཟེར།", "bo", None),
        ("كارتام 中国农业银行نىڭ", "ug", None),
    ],
)
def test_clear_messages_are_identified_decisively(text: str, language: str, dialect: str | None) -> None:
    guess = identify(text)
    assert (guess.language, guess.dialect, guess.decisive) == (language, dialect, True)


@pytest.mark.parametrize("text", ["好", "1", "OK", "13812345678", "嗯", "是的", "A"])
def test_short_neutral_answers_never_switch_the_conversation(text: str) -> None:
    assert not identify(text).decisive


def test_a_weak_cue_names_the_dialect_without_switching() -> None:
    guess = identify("要得")
    assert (guess.language, guess.dialect, guess.decisive) == ("zh", "sichuanese", False)


def test_mandarin_words_that_contain_a_cantonese_character_are_protected() -> None:
    assert identify("系统关系").dialect is None


def test_traditional_text_without_cues_leans_cantonese_but_does_not_switch() -> None:
    guess = identify("我想開戶")
    assert (guess.language, guess.decisive) == ("yue", False)


def test_languages_without_replies_do_not_switch() -> None:
    guess = identify("I would like to open a brokerage account please")
    assert guess.language == "en"
    assert not guess.decisive
    assert identify("I would like to open a brokerage account", ("zh", "en")).decisive


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("请说藏语", "bo"),
        ("可以讲广东话吗", "yue"),
        ("我要说普通话", "zh"),
        ("ئۇيغۇرچە سۆزلەڭ", "ug"),
        ("خەنزۇچە سۆزلەپ بېرىڭ", "zh"),
        ("རྒྱ་སྐད་ལ་ཤོད་རོགས།", "zh"),
        ("好的", None),
        # a language's name alone is no request: "my Chinese name is …", "my Tibetan name"
        ("مېنىڭ ئىسمىم ئايگۈل، خەنزۇچە ئىسمىم 阿依古丽", None),
        ("我的藏文名字是扎西", None),
    ],
)
def test_explicit_requests_switch_language(text: str, language: str | None) -> None:
    assert requested_language(text) == language
    if language:
        assert identify(text).language == language and identify(text).decisive
