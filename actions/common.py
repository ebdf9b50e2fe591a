"""Helpers every stage shares: backend calls that never crash a turn, repeated-failure handling,
and restoring slots from the backend's application snapshot."""

from __future__ import annotations

import logging
from abc import abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import backend
from actions.backend import BackendError, BackendUnavailable

log = logging.getLogger(__name__)

# After this many rejected answers at one step (and every as many more), offer a person or a video witness.
FAILURES_BEFORE_HELP = 2
# Refusals that asking again cannot change (an existing customer, a blocked number, someone else's card):
# the first is explained and another answer asked for; at this many at one step a person takes over.
REFUSALS_BEFORE_HANDOFF = 2
# The step a conversation shows once a person has taken over (the form waits until the user goes on).
HANDOFF_STEP = "handoff"

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


def answer_record(tracker: Tracker) -> dict[str, Any]:
    """A consent or signature answer as evidence: the user's words, the channel and, for a voice answer, the
    sha256 of its audio (the gateway stored the recording under it)."""
    channel = tracker.get_slot("channel") or "app"
    record: dict[str, Any] = {"utterance": latest_text(tracker), "channel": channel}
    sha256 = (tracker.latest_message.get("metadata") or {}).get("audio_sha256")
    if sha256:
        record["audio_sha256"] = sha256
    return record


def understood_text(tracker: Tracker) -> str:
    """The user's message after the NLU normalisers (simplified, dialect words in Mandarin, digits)."""
    message = tracker.latest_message
    return message.get("normalized_text") or message.get("text") or ""


def language(tracker: Tracker) -> str:
    """The conversation's language (the ``language`` slot): replies and backend texts follow it."""
    return tracker.get_slot("language") or "zh"


def is_fresh(tracker: Tracker, slot: str) -> bool:
    """True when `slot` was just answered by the user, not carried over when a form re-activates.

    Forms re-validate pre-filled slots on activation; already validated values must not be sent to
    the backend twice (a second consent record, a second identity check).
    """
    if tracker.get_slot("requested_slot") == slot and tracker.active_loop.get("name"):
        return True
    entity = SLOT_ENTITY.get(slot)
    return bool(entity and any(e.get("entity") == entity for e in tracker.latest_message.get("entities", [])))


def application_slots(app: dict[str, Any]) -> dict[str, Any]:
    """Slots that reflect a backend application snapshot (used when an application is resumed)."""
    slots: dict[str, Any] = {
        "application_id": app["id"],
        "application_status": app["status"],
        "risk_level": app.get("risk_level"),
        "account_number": app.get("account_number"),
        "phone_masked": app.get("phone_masked"),
        "id_masked": app.get("id_masked"),
        "card_masked": app.get("card_masked"),
        "bank_name": app.get("bank_name"),
    }
    if app.get("consent"):
        slots["consent"] = True
    if app.get("phone_verified"):
        slots.update(phone_number=app.get("phone_masked"), sms_code="verified")
    if app.get("identity_verified"):
        slots.update(name=app.get("name"), id_number=app.get("id_masked"), id_confirmed=True)
    if app.get("liveness_passed"):
        slots["liveness_passed"] = True
    if app.get("agreement_signed"):
        slots["agreement_signed"] = True
    return slots


class StageValidation(FormValidationAction):
    """Base of the per-stage form validations."""

    @abstractmethod
    def name(self) -> str:
        """validate_<form name>"""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validate; if the backend fails unexpectedly, undo this turn's values and ask again."""
        from actions.intercept import intercept  # it imports this module

        try:
            handled = await intercept(dispatcher, tracker)
            if handled is not None:  # not an answer to the step: nothing of it is kept
                return handled + [SlotSet(slot, None) for slot in tracker.slots_to_validate()]
            return await super().run(dispatcher, tracker, domain)
        except (BackendUnavailable, BackendError) as exc:
            log.warning("validation of %s failed on the backend: %s", self.name(), exc)
            dispatcher.utter_message(response="utter_backend_unavailable")
            return [SlotSet(slot, None) for slot in tracker.slots_to_validate()]

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # A slot set to None this turn was cleared on purpose (reset, go back): nothing to validate.
        fresh = {slot: value for slot, value in tracker.slots_to_validate().items() if value is not None}
        tracker.slots_to_validate = lambda: dict(fresh)  # type: ignore[method-assign]
        return await super().get_validation_events(dispatcher, tracker, domain)

    def reject(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        slot: str,
        response: str,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Say why an answer was not accepted and ask again; offer help after repeated failures."""
        dispatcher.utter_message(response=response, **kwargs)
        failures = dict(tracker.get_slot("failed_attempts") or {})
        failures[slot] = failures.get(slot, 0) + 1
        if failures[slot] % FAILURES_BEFORE_HELP == 0:
            # offers a person or a video-witness appointment (buttons; actions/senior.py books it)
            dispatcher.utter_message(response="utter_explain_after_failures")
        return {slot: None, "failed_attempts": failures}

    @staticmethod
    def app_id(tracker: Tracker) -> str:
        return tracker.get_slot("application_id")


async def refuse(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slot: str,
    response: str,
    reason: str,
    **kwargs: Any,
) -> dict[str, Any]:
    """The backend refused the answer for a reason asking again cannot change: say why and ask for another
    value the first time; at REFUSALS_BEFORE_HANDOFF at this step, hand the conversation to a person instead
    of asking the same question again. Answers the slots to set."""
    counts = dict(tracker.get_slot("failed_attempts") or {})
    key = f"refused:{slot}"
    counts[key] = counts.get(key, 0) + 1
    slots = {slot: None, "failed_attempts": counts}
    if counts[key] < REFUSALS_BEFORE_HANDOFF:
        dispatcher.utter_message(response=response, **kwargs)
        return slots
    return slots | await hand_over(dispatcher, tracker, reason)


async def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> dict[str, Any]:
    """A person takes over: a handoff ticket (the one already open, if any), and the form stops asking."""
    ticket_id = tracker.get_slot("handoff_ticket")
    eta = None
    if ticket_id is None:
        body = {
            "sender_id": tracker.sender_id,
            "application_id": tracker.get_slot("application_id"),
            "reason": reason,
            "channel": tracker.get_slot("channel") or "app",
        }
        ticket = await call_or_none("POST", "/handoff", json=body)
        if ticket is not None:
            ticket_id, eta = ticket["ticket_id"], ticket["eta_minutes"]
    if ticket_id is None:
        dispatcher.utter_message(response="utter_handoff_failed")
    elif eta is None:
        dispatcher.utter_message(response="utter_handed_over_already", ticket_id=ticket_id)
    else:
        dispatcher.utter_message(response="utter_handed_over", ticket_id=ticket_id, eta_minutes=eta)
    return {"requested_slot": None, "step": HANDOFF_STEP, "expects": None, "handoff_ticket": ticket_id}


async def call_or_none(method: str, path: str, **kwargs: Any) -> dict[str, Any] | None:
    """For actions outside forms: None on an outage or a 4xx (the caller decides what to say)."""
    try:
        return await backend.call(method, path, **kwargs)
    except (BackendUnavailable, BackendError) as exc:
        log.warning("backend call %s %s failed: %s", method, path, exc)
        return None
