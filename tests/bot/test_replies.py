"""Every reply exists in every language, with the same placeholders and buttons, in the right script;
and the NLG picks the conversation's language."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import yaml

from bot.replies import load_reply_files, term
from dialects.chinese import traditional_only
from dialects.scripts import ARABIC, HAN, TIBETAN, count_scripts

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = sorted(lang for lang, f in load_reply_files().items() if f.responses)
SCRIPTS = {"bo": TIBETAN, "ug": ARABIC, "yue": HAN}
PLACEHOLDER = re.compile(r"{(\w+)}")


def domain_responses() -> dict[str, list[dict]]:
    responses: dict[str, list[dict]] = {}
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        responses.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {})
    return responses


def placeholders(variants: list[dict]) -> set[str]:
    return {name for v in variants for name in PLACEHOLDER.findall(v.get("text", ""))}


def payloads(variants: list[dict]) -> list[list[str]]:
    return [[b["payload"] for b in v.get("buttons") or []] for v in variants]


def test_the_issue_languages_have_replies() -> None:
    assert {"yue", "bo", "ug"} <= set(TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_response_is_translated_with_the_same_placeholders_and_buttons(language: str) -> None:
    domain = domain_responses()
    translated = load_reply_files()[language].responses
    assert set(translated) == set(domain)
    for key, variants in domain.items():
        assert placeholders(translated[key]) == placeholders(variants), key
        assert payloads(translated[key]) == payloads(variants), key


@pytest.mark.parametrize("language", TRANSLATED)
def test_replies_are_written_in_the_language_script(language: str) -> None:
    for key, variants in load_reply_files()[language].responses.items():
        for variant in variants:
            text = PLACEHOLDER.sub("", variant["text"])
            scripts = count_scripts(text)
            if not scripts:  # only placeholders ("{question}")
                continue
            assert scripts.most_common(1)[0][0] == SCRIPTS[language], (key, text)


def test_cantonese_replies_use_traditional_characters() -> None:
    texts = [v["text"] for vs in load_reply_files()["yue"].responses.values() for v in vs]
    assert all(traditional_only(t) > 0 for t in texts if len(t) > 12)


@pytest.mark.parametrize("language", ["zh", *TRANSLATED])
def test_terms_exist_in_every_language(language: str) -> None:
    terms = load_reply_files()[language].terms
    assert sorted(int(k) for k in terms["stage_names"]) == [1, 2, 3, 4, 5]
    assert set(terms["status"]) == {"approved", "manual_review"}
    assert term(language, "list_separator")


def test_nlg_answers_in_the_conversation_language() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.nlg import MultilingualNLG

    domain = Domain.load([str(p) for p in sorted((ROOT / "bot" / "domain").glob("*.yml"))])
    nlg = MultilingualNLG(domain=domain)
    tracker = DialogueStateTracker.from_events("s", [], domain.slots)

    def reply(language: str | None) -> str:
        if language:
            tracker.update(SlotSet("language", language))
        generated = asyncio.run(nlg.generate("utter_ask_name", tracker, "rest"))
        assert generated is not None
        return generated["text"]

    assert reply(None) == domain.responses["utter_ask_name"][0]["text"]
    assert count_scripts(reply("bo")).most_common(1)[0][0] == TIBETAN
    assert count_scripts(reply("ug")).most_common(1)[0][0] == ARABIC
    assert reply("en") == domain.responses["utter_ask_name"][0]["text"]  # no English replies: Mandarin
