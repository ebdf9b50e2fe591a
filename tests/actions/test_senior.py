"""Senior mode in the actions: digit-by-digit read-back, what switches it on and off, and the help offered
after two failed attempts at a step (a video-witness appointment booked on the real backend)."""

from __future__ import annotations

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.detours import ActionFallback, ActionHandleDetour
from actions.senior import digit_groups, read_back
from actions.stage1_phone import ValidatePhoneForm
from actions.stage2_identity import AskIdConfirmed, ValidateIdentityForm
from tests.actions.conftest import make_tracker, responses, run, slot_events
from tests.actions.test_stage_actions import new_application

SENIOR_ID = "11010519491231002X"  # born 1949-12-31, valid check character
ADULT_ID = "310104198506123455"  # born 1985


@pytest.mark.parametrize(
    ("masked", "spoken"),
    [
        ("139****5678", "1 3 9,****,5 6 7 8"),
        ("1101**********002X", "1 1 0 1,**********,0 0 2 X"),
        ("6222 **** **** 0128", "6 2 2 2,********,0 1 2 8"),
        ("13912345678", "1 3 9,1 2 3 4,5 6 7 8"),  # 3-4-4, the way phone numbers are said
        ("110105195306123456", "1 1 0,1 0 5,1 9 5 3,0 6 1 2,3 4 5 6"),
        ("123456", "1 2 3,4 5 6"),
    ],
)
def test_numbers_are_read_back_digit_by_digit_in_small_groups(masked: str, spoken: str) -> None:
    assert digit_groups(masked, ",") == spoken
    groups = [g for g in spoken.split(",") if "*" not in g]
    assert all(3 <= len(g.split()) <= 4 for g in groups)


def test_read_back_changes_only_in_senior_mode() -> None:
    assert read_back(make_tracker(), "139****5678") == "139****5678"
    senior = make_tracker(slots={"senior_mode": True})
    assert read_back(senior, "139****5678") == "1 3 9，****，5 6 7 8"  # the language's separator
    uyghur = make_tracker(slots={"senior_mode": True, "language": "ug"})
    assert read_back(uyghur, "139****5678") == "1 3 9، ****، 5 6 7 8"


async def _validate_id(
    domain: dict, app_id: str, id_number: str, history: list | None = None, **slots: object
) -> tuple[dict, list]:
    base = {"application_id": app_id, "name": "张秀英", "requested_slot": "id_number", **slots}
    tracker = make_tracker(
        text=id_number,
        slots=base,
        new_slots={"id_number": id_number},
        active_loop="identity_form",
        history=history,
    )
    dispatcher = CollectingDispatcher()
    events = await ValidateIdentityForm().run(dispatcher, tracker, domain)
    return slot_events(events), responses(dispatcher)


def test_an_id_of_60_or_more_switches_senior_mode_on(backend: httpx.AsyncClient, domain: dict) -> None:
    async def scenario() -> None:
        app_id = await new_application(backend, upto="phone")
        slots, said = await _validate_id(domain, app_id, SENIOR_ID)
        assert slots["senior_mode"] is True and slots["slow_speech"] is True
        assert said == ["utter_senior_mode_on"] and slots["id_masked"] == "1101**********002X"

        slots, said = await _validate_id(domain, app_id, ADULT_ID)
        assert "senior_mode" not in slots and said == []

        # A user who switched it off earlier keeps it off: the age alone does not override their choice.
        switched_off = [
            {"event": "bot", "text": "好的", "metadata": {"utter_action": "utter_senior_mode_off"}},
            {"event": "slot", "name": "senior_mode", "value": False},
        ]
        slots, said = await _validate_id(domain, app_id, SENIOR_ID, history=switched_off)
        assert "senior_mode" not in slots and said == []

        # The read-back question that follows groups the masked digits.
        asked = make_tracker(
            slots={
                "senior_mode": True,
                "name": "张秀英",
                "id_masked": "1101**********002X",
                "id_details": {"birth_date": "1949-12-31", "region": "北京市东城区"},
            }
        )
        dispatcher = CollectingDispatcher()
        await AskIdConfirmed().run(dispatcher, asked, domain)
        assert dispatcher.messages[0]["id_masked"] == "1 1 0 1，**********，0 0 2 X"

    run(scenario())


@pytest.mark.parametrize("intent", ["ask_slower", "ask_repeat"])
def test_asking_to_slow_down_or_repeat_switches_senior_mode_on(intent: str, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = run(ActionHandleDetour().run(dispatcher, make_tracker(text="慢一点", intent=intent), domain))
    assert slot_events(events) == {"senior_mode": True, "slow_speech": True}


def test_the_voice_channels_own_reask_does_not_switch_it_on(domain: dict) -> None:
    """After noise or silence the voice channel sends /ask_repeat itself: that is not the user asking."""
    tracker = make_tracker(text="/ask_repeat", intent="ask_repeat")
    tracker.latest_message["metadata"] = {"asr_rejected": "no_speech"}
    events = run(ActionHandleDetour().run(CollectingDispatcher(), tracker, domain))
    assert "senior_mode" not in slot_events(events)


OFF_PHRASES = [("不用慢了,正常说就行", "ask_slower"), ("正常讲就得", "deny"), ("唔使講慢", "inform")]


@pytest.mark.parametrize(("text", "intent"), OFF_PHRASES)
def test_the_off_phrase_switches_it_off_whatever_the_intent(text: str, intent: str, domain: dict) -> None:
    senior = {"senior_mode": True, "slow_speech": True}
    for action in (ActionHandleDetour(), ActionFallback()):
        dispatcher = CollectingDispatcher()
        events = run(action.run(dispatcher, make_tracker(text=text, intent=intent, slots=senior), domain))
        assert slot_events(events) == {"senior_mode": False, "slow_speech": False}
        assert responses(dispatcher) == ["utter_senior_mode_off"]


def test_the_off_phrase_is_never_an_answer_to_the_step(backend: httpx.AsyncClient, domain: dict) -> None:
    """ "不用慢" read as "no" at the ID read-back: senior mode goes off, the ID is not refused."""
    tracker = make_tracker(
        text="不用慢",
        intent="deny",
        slots={
            "senior_mode": True,
            "slow_speech": True,
            "requested_slot": "id_confirmed",
            "id_number": ADULT_ID,
        },
        new_slots={"id_confirmed": False},
        active_loop="identity_form",
    )
    dispatcher = CollectingDispatcher()
    events = slot_events(run(ValidateIdentityForm().run(dispatcher, tracker, domain)))
    assert events == {"senior_mode": False, "slow_speech": False, "id_confirmed": None}
    assert responses(dispatcher) == ["utter_senior_mode_off"]


def test_two_failures_offer_help_and_the_video_witness_is_booked(
    backend: httpx.AsyncClient, domain: dict
) -> None:
    async def scenario() -> None:
        app_id = await new_application(backend, upto="consent")
        form = ValidatePhoneForm()
        base = {"application_id": app_id, "consent": True, "requested_slot": "phone_number"}
        base["channel"] = "senior"
        said_per_try = []
        for _ in range(2):
            tracker = make_tracker(
                text="12345", slots=base, new_slots={"phone_number": "12345"}, active_loop="phone_form"
            )
            dispatcher = CollectingDispatcher()
            slots = slot_events(await form.run(dispatcher, tracker, domain))
            base["failed_attempts"] = slots["failed_attempts"]
            said_per_try.append(responses(dispatcher))
        assert said_per_try == [
            ["utter_invalid_phone"],
            ["utter_invalid_phone", "utter_explain_after_failures"],  # the offer, with its two buttons
        ]
        offer = domain["responses"]["utter_explain_after_failures"][0]["buttons"]
        assert [b["payload"] for b in offer] == ["/request_human", '/request_human{"option": "video"}']

        # The second button, pressed while the phone number is asked: booked, and the number is asked again.
        tracker = make_tracker(
            text='/request_human{"option": "video"}',
            intent="request_human",
            entities=[{"entity": "option", "value": "video"}],
            slots=base,
            active_loop="phone_form",
        )
        dispatcher = CollectingDispatcher()
        slots = slot_events(await form.run(dispatcher, tracker, domain))
        assert responses(dispatcher) == ["utter_video_booked"]
        appointment = (await backend.get(f"/appointments/{slots['video_appointment']}")).json()
        assert appointment["application_id"] == app_id and appointment["channel"] == "senior"
        assert appointment["status"] == "booked" and appointment["sandbox"] is True
        assert dispatcher.messages[0]["slot_time"][:4].isdigit()

        # Asking about it books nothing; asking for it in words does (and the sender keeps one appointment).
        question = make_tracker(text="视频见证是什么", intent="out_of_scope", slots={"channel": "app"})
        assert "video_appointment" not in slot_events(
            await ActionHandleDetour().run(CollectingDispatcher(), question, domain)
        )
        dispatcher = CollectingDispatcher()
        words = make_tracker(text="我想预约视频见证", intent="request_human", slots=base)
        events = slot_events(await ActionHandleDetour().run(dispatcher, words, domain))
        assert events["video_appointment"] == slots["video_appointment"]

    run(scenario())
