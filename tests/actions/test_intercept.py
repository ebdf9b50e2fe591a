"""Asking for another language mid-step: acknowledged in the new language, never read as the step's answer,
and never taken for a senior asking to repeat."""

from __future__ import annotations

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.detours import ActionFallback, ActionHandleDetour
from actions.intercept import requested_switch
from actions.stage2_identity import ValidateIdentityForm
from actions.stage3_risk import ValidateRiskForm
from tests.actions.conftest import make_tracker, responses, run, slot_events

LANGUAGE = {"entity": "language", "value": "yue"}


@pytest.mark.parametrize(
    ("text", "intent", "entities", "wanted"),
    [
        ("讲广东话", "out_of_scope", [LANGUAGE], "yue"),
        ("我聽唔明，可唔可以講廣東話", "ask_repeat", [LANGUAGE], "yue"),
        ("用维语", "nlu_fallback", [], "ug"),
        ("说藏语", "ask_repeat", [], "bo"),
        ("说普通话，同意", "affirm", [], None),  # an answer comes with it: handled as the answer
        ("讲广东话慢慢讲", "ask_slower", [], None),  # asking to slow down is more than a language
        ("说普通话，我的手机是13912345678", "inform", [{"entity": "phone_number", "value": "x"}], None),
        ("我想开户", "open_account", [], None),
        ("说英语", "out_of_scope", [], None),  # no replies in English: nothing to switch to
    ],
)
def test_what_counts_as_a_bare_request_for_another_language(
    text: str, intent: str, entities: list, wanted: str | None
) -> None:
    assert requested_switch(make_tracker(text=text, intent=intent, entities=entities)) == wanted


def test_a_request_at_a_risk_question_is_not_an_answer(domain: dict) -> None:
    tracker = make_tracker(
        text="讲广东话",
        intent="out_of_scope",
        entities=[LANGUAGE],
        slots={"application_id": "app", "requested_slot": "risk_q1", "language": "yue"},
        new_slots={"risk_q1": "讲广东话"},
        active_loop="risk_form",
    )
    dispatcher = CollectingDispatcher()
    events = slot_events(run(ValidateRiskForm().run(dispatcher, tracker, domain)))
    assert events == {"language": "yue", "risk_q1": None}
    assert responses(dispatcher) == ["utter_language_switched"]


def test_a_request_at_the_id_read_back_neither_confirms_nor_turns_on_senior_mode(domain: dict) -> None:
    slots = {"application_id": "app", "requested_slot": "id_confirmed", "language": "ug"}
    tracker = make_tracker(text="说维语", intent="ask_repeat", slots=slots, active_loop="identity_form")
    dispatcher = CollectingDispatcher()
    events = slot_events(run(ValidateIdentityForm().run(dispatcher, tracker, domain)))
    assert events == {"language": "ug"}
    for action in (ActionHandleDetour(), ActionFallback()):
        dispatcher = CollectingDispatcher()
        events = slot_events(run(action.run(dispatcher, tracker, domain)))
        assert events == {"language": "ug"}
        assert responses(dispatcher) == ["utter_language_switched"]


def test_the_form_second_validation_in_the_same_turn_says_it_once(
    backend: httpx.AsyncClient, domain: dict
) -> None:
    """Rasa validates a form twice in a turn; the second run sees the first one's reply and slots."""
    tracker = make_tracker(
        text="讲广东话",
        intent="out_of_scope",
        entities=[LANGUAGE],
        slots={"application_id": "app", "requested_slot": "risk_q1", "language": "yue"},
        active_loop="risk_form",
    )
    tracker.events += [
        {"event": "bot", "text": "好呀", "metadata": {"utter_action": "utter_language_switched"}},
        {"event": "slot", "name": "language", "value": "yue"},
        {"event": "slot", "name": "risk_q1", "value": None},
    ]
    dispatcher = CollectingDispatcher()
    events = slot_events(run(ValidateRiskForm().run(dispatcher, tracker, domain)))
    assert responses(dispatcher) == []
    assert events.get("risk_q1") is None
