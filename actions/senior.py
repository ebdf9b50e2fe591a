"""Senior mode: what switches it on and off, numbers read back digit by digit, and the video-witness booking
offered after repeated failures. Senior mode changes how things are said, never which steps are taken.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import backend_api
from actions.conversation import channel, language, latest_intent, latest_text, understood_text
from actions.failures import FAILURES_BEFORE_HELP
from actions.keywords import normal_speed_words, video_witness_words
from bot.replies import reply_languages, term
from dialects.chinese import to_simplified
from languages import DEFAULT_LANGUAGE

# The age from which the ID number switches senior mode on (the report's "seniors, 60+").
SENIOR_AGE = 60
MODE_SLOTS = ("senior_mode", "slow_speech")

_READ_BACK_PART = re.compile(r"[0-9Xx]+|\*+")


def is_senior(tracker: Tracker) -> bool:
    return bool(tracker.get_slot("senior_mode"))


def asks_for_senior_mode(tracker: Tracker, intent: str | None) -> bool:
    """The user asked to slow down or to repeat. The voice channel's own re-ask after audio it could not
    use (metadata `asr_rejected`: noise, silence) is not the user asking."""
    metadata = tracker.latest_message.get("metadata") or {}
    return intent in ("ask_slower", "ask_repeat") and not metadata.get("asr_rejected")


def opted_out(tracker: Tracker) -> bool:
    """The user switched senior mode off in this conversation ("正常说就行", answered with
    utter_senior_mode_off): the ID's age then no longer switches it back on by itself (asking to slow down
    or repeat still does)."""
    return any(
        event.get("event") == "bot"
        and (event.get("metadata") or {}).get("utter_action") == "utter_senior_mode_off"
        for event in tracker.events
    )


def switch_on_events(tracker: Tracker) -> list[EventType]:
    """Senior mode and the slower speech rate (the gateway's TTS follows `slow_speech`) go together."""
    return [SlotSet(slot, True) for slot in MODE_SLOTS if tracker.get_slot(slot) is not True]


def digit_groups(masked: str, separator: str = ",") -> str:
    """A masked number read one digit at a time in small groups: "139****5678" → "1 3 9,****,5 6 7 8".

    Digit runs longer than four are split evenly into groups of three or four (the longer groups last,
    as phone numbers are said: 3-4-4); masked runs stay masked, as one group.
    """
    groups: list[str] = []
    for part in _READ_BACK_PART.findall(masked.replace(" ", "")):
        if part.startswith("*"):
            groups.append(part)
            continue
        count = -(-len(part) // 4)
        sizes = [len(part) // count + (i >= count - len(part) % count) for i in range(count)]
        start = 0
        for size in sizes:
            groups.append(" ".join(part[start : start + size].upper()))
            start += size
    return separator.join(groups)


def read_back(tracker: Tracker, masked: str | None) -> str:
    """How a masked ID, phone or card number is shown and spoken: grouped digits for seniors."""
    if not masked or not is_senior(tracker):
        return masked or ""
    return digit_groups(masked, term(language(tracker), "digit_group_separator"))


def _said(tracker: Tracker) -> str:
    return f"{to_simplified(latest_text(tracker))}\n{understood_text(tracker)}"


def asks_for_normal_speed(tracker: Tracker) -> bool:
    return bool(normal_speed_words().search(_said(tracker)))


def wants_video_witness(tracker: Tracker) -> bool:
    """The offer's second button (`/request_human{"option": "video"}`), or the words for it when the offer
    was made at this step or the user asks for staff ("视频见证是什么" alone books nothing)."""
    entities = tracker.latest_message.get("entities") or []
    if any(e.get("entity") == "option" and e.get("value") == "video" for e in entities):
        return True
    if not video_witness_words().search(_said(tracker)):
        return False
    failures = (tracker.get_slot("failed_attempts") or {}).get(tracker.get_slot("requested_slot") or "", 0)
    return failures >= FAILURES_BEFORE_HELP or latest_intent(tracker) == "request_human"


async def book_video_witness(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    lang = language(tracker)
    booked = await backend_api.or_none(
        backend_api.book_appointment(
            sender_id=tracker.sender_id,
            application_id=tracker.get_slot("application_id"),
            channel=channel(tracker),
            lang=lang if lang in reply_languages() else DEFAULT_LANGUAGE,
            preferred_time=None,  # the earliest slot; the agent can move it on the call
        )
    )
    if booked is None:
        dispatcher.utter_message(response="utter_video_booking_failed")
        return [SlotSet("video_appointment", tracker.get_slot("video_appointment"))]
    slot_time = booked.slot_time[:16].replace("T", " ")
    dispatcher.utter_message(
        response="utter_video_booked", slot_time=slot_time, appointment_id=booked.appointment_id
    )
    return [SlotSet("video_appointment", booked.appointment_id)]
