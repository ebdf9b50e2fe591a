"""Every reply exists in every language, with the same placeholders and buttons, in the right script;
and the NLG picks the conversation's language."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import yaml

from bot.replies import SENIOR_DIR, ReplyFile, load_reply_files, term
from dialects.chinese import traditional_only
from dialects.scripts import ARABIC, HAN, TIBETAN, count_scripts
from languages import conversation_languages
from voice.channels.prompts import PROMPTS

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


@pytest.mark.parametrize("language", conversation_languages())
def test_every_conversation_language_has_every_voice_prompt(language: str) -> None:
    prompts = load_reply_files()[language].terms.get("voice") or {}
    assert set(prompts) == set(PROMPTS)
    for key in PROMPTS:
        assert term(language, "voice", key) == prompts[key] and prompts[key].strip(), key
        if language in SCRIPTS:
            assert count_scripts(prompts[key]).most_common(1)[0][0] == SCRIPTS[language], key


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


# --- senior mode: bot/responses/senior/<lang>.yml ---

SENIOR = load_reply_files(SENIOR_DIR)
QUESTION = re.compile("[?\uff1f]")  # ASCII and full-width question marks
# Besides every question the flow asks (utter_ask_*): the read-backs, confirmations and gentle re-prompts.
SENIOR_REQUIRED = {
    "utter_sms_sent",
    "utter_card_bound",
    "utter_invalid_phone",
    "utter_sms_wrong_code",
    "utter_sms_code_format",
    "utter_invalid_name",
    "utter_invalid_id_format",
    "utter_invalid_id_checksum",
    "utter_invalid_id_birth_date",
    "utter_invalid_id_region",
    "utter_invalid_option",
    "utter_invalid_card_format",
    "utter_invalid_card_luhn",
    "utter_agreement_needs_yes",
    "utter_liveness_pending",
    "utter_fallback_first",
    "utter_fallback_second",
    "utter_explain_after_failures",
    "utter_video_booked",
    "utter_senior_mode_off",
}


def effective(language: str, key: str) -> list[dict]:
    """What a senior hears: the senior variant, else the language's normal reply (the domain's for zh)."""
    normal = load_reply_files().get(language, ReplyFile(language))
    for responses in (SENIOR[language].responses, normal.responses):
        if key in responses:
            return responses[key]
    return domain_responses()[key]


def test_mandarin_and_cantonese_have_senior_variants() -> None:
    assert {"zh", "yue"} <= set(SENIOR)


@pytest.mark.parametrize("language", sorted(SENIOR))
def test_senior_variants_match_the_normal_replies(language: str) -> None:
    domain = domain_responses()
    senior = SENIOR[language].responses
    assert set(senior) <= set(domain)
    assert {key for key in domain if key.startswith("utter_ask_")} | SENIOR_REQUIRED <= set(senior)
    for key, variants in senior.items():
        assert placeholders(variants) == placeholders(domain[key]), key
        assert payloads(variants) == payloads(domain[key]), key


@pytest.mark.parametrize("language", sorted(SENIOR))
def test_senior_variants_are_in_the_language_script(language: str) -> None:
    for key, variants in SENIOR[language].responses.items():
        for variant in variants:
            text = PLACEHOLDER.sub("", variant["text"])
            if language == "zh":
                assert traditional_only(text) == 0, (key, text)
            elif language == "yue":
                assert traditional_only(text) > 0 or len(text) <= 12, (key, text)
            else:
                assert count_scripts(text).most_common(1)[0][0] == SCRIPTS[language], (key, text)


@pytest.mark.parametrize("language", sorted(SENIOR))
def test_senior_mode_asks_one_question_per_turn(language: str) -> None:
    """Only the step's own question asks; everything said before it (answers, read-backs, re-prompts,
    the offer of help) does not, so a turn never holds two questions."""
    for key in domain_responses():
        for variant in effective(language, key):
            asked = len(QUESTION.findall(variant["text"]))
            assert asked <= 1 if key.startswith("utter_ask_") else asked == 0, (key, variant["text"])


@pytest.mark.parametrize("language", sorted(SENIOR))
def test_senior_composite_questions_ask_once(language: str) -> None:
    """The questions built from backend texts (notice, questionnaire, agreements) still ask one thing."""
    from backend import content, risk

    def asked(key: str, inserted: str) -> int:
        return len(QUESTION.findall(effective(language, key)[0]["text"] + inserted))

    assert asked("utter_ask_consent", content.notice(language)["text"]) == 1
    for question in risk.questions_in(language)["questions"]:
        assert asked("utter_ask_risk_answer", question["text"] + "".join(question["options"])) == 1
    documents = content.agreements(language)["documents"]
    assert asked("utter_ask_agreement_signed", "".join(d["title"] + d["summary"] for d in documents)) == 1
    assert not QUESTION.search(risk.questionnaire().lowest_notice[language])


def test_nlg_picks_senior_variants_in_the_conversation_language() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.nlg import MultilingualNLG

    domain = Domain.load([str(p) for p in sorted((ROOT / "bot" / "domain").glob("*.yml"))])
    nlg = MultilingualNLG(domain=domain)

    def reply(key: str, language: str, senior: bool) -> str:
        tracker = DialogueStateTracker.from_events(
            "s", [SlotSet("language", language), SlotSet("senior_mode", senior)], domain.slots
        )
        generated = asyncio.run(nlg.generate(key, tracker, "rest"))
        assert generated is not None
        return generated["text"]

    normal = load_reply_files()
    assert reply("utter_ask_name", "zh", True) == SENIOR["zh"].responses["utter_ask_name"][0]["text"]
    assert reply("utter_ask_name", "zh", False) == domain.responses["utter_ask_name"][0]["text"]
    assert reply("utter_ask_name", "yue", True) == SENIOR["yue"].responses["utter_ask_name"][0]["text"]
    # no senior variant: the language's own reply, never another language's
    assert reply("utter_greet", "yue", True) == normal["yue"].responses["utter_greet"][0]["text"]
    assert reply("utter_ask_name", "bo", True) == normal["bo"].responses["utter_ask_name"][0]["text"]
    assert reply("utter_ask_name", "en", True) == SENIOR["zh"].responses["utter_ask_name"][0]["text"]
