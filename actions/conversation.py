"""What the conversation holds, read from the tracker: the user's latest message (intent, words, words as
understood, the answer as evidence), the conversation's language and channel, and what this turn already did.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa_sdk import Tracker

from actions.backend_types import AnswerRecord
from languages import DEFAULT_LANGUAGE

DEFAULT_CHANNEL = "app"

# The entity that may fill each form slot from anywhere in the sentence.
SLOT_ENTITY = {
    "phone_number": "phone_number",
    "sms_code": "sms_code",
    "name": "name",
    "id_number": "id_number",
    "bank_card": "bank_card",
    "risk_answer": "option",
}


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    """What the user actually wrote or said (recorded as their words for consent and signatures)."""
    message = tracker.latest_message
    return message.get("original_text") or message.get("text") or ""


def understood_text(tracker: Tracker) -> str:
    """The user's message after the NLU normalisers (simplified, dialect words in Mandarin, digits)."""
    message = tracker.latest_message
    return message.get("normalized_text") or message.get("text") or ""


def language(tracker: Tracker) -> str:
    """The conversation's language (the ``language`` slot): replies and backend texts follow it."""
    return tracker.get_slot("language") or DEFAULT_LANGUAGE


def channel(tracker: Tracker) -> str:
    """Where the user talks to us (app, hotline, senior page), set at session start."""
    return tracker.get_slot("channel") or DEFAULT_CHANNEL


def answer_record(tracker: Tracker) -> AnswerRecord:
    """A consent or signature answer as evidence: the user's words, the channel and, for a voice answer, the
    sha256 of its audio (the gateway stored the recording under it)."""
    sha256 = (tracker.latest_message.get("metadata") or {}).get("audio_sha256")
    return AnswerRecord(utterance=latest_text(tracker), channel=channel(tracker), audio_sha256=sha256 or None)


def is_fresh(tracker: Tracker, slot: str) -> bool:
    """True when `slot` was just answered by the user, not carried over when a form re-activates.

    Forms re-validate pre-filled slots on activation; already validated values must not be sent to
    the backend twice (a second consent record, a second identity check).
    """
    if tracker.get_slot("requested_slot") == slot and tracker.active_loop.get("name"):
        return True
    entity = SLOT_ENTITY.get(slot)
    return bool(entity and any(e.get("entity") == entity for e in tracker.latest_message.get("entities", [])))


def _this_turn(tracker: Tracker) -> Iterator[dict[str, Any]]:
    """The events since the user's latest message, newest first."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return
        yield event


def set_this_turn(tracker: Tracker, slot: str) -> bool:
    """Whether an action already set `slot` since the user's latest message (forms run validation twice
    in a turn after a detour: the same message must not switch or book twice)."""
    return any(e.get("event") == "slot" and e.get("name") == slot for e in _this_turn(tracker))


def uttered_this_turn(tracker: Tracker, response: str) -> bool:
    """Whether ``response`` was already said since the user's latest message (forms validate twice a turn)."""
    return any(
        e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") == response
        for e in _this_turn(tracker)
    )
