"""Moving through the flow: start/continue, go back, correct a field, pause, cancel, delete."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import backend_api
from actions.application import reset_application_events
from actions.conversation import channel, language, latest_intent
from actions.flow import CLOSED_STATUSES, FINAL_STATUSES, form_slots, next_form
from actions.handoff import HANDOFF_STEP
from actions.keywords import field_words
from bot.erasure import ERASE_CONVERSATIONS_SLOT
from bot.replies import term

USER_STARTS = {"open_account", "affirm", "inform"}


class ActionNextStep(Action):
    """Starts an application or continues with the first unfinished stage.

    Runs when the user asks to open/continue, and after each stage form completes. It always ends
    with a FollowupAction: the next stage's form, or listening when the application is closed.
    """

    def name(self) -> str:
        return "action_next_step"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        status = tracker.get_slot("application_status")
        handed_over = tracker.get_slot("step") == HANDOFF_STEP
        # After a person took over, "好的" is not "go on": only asking to continue, or a new answer, is.
        starts = USER_STARTS - {"affirm"} if handed_over else USER_STARTS
        asked_by_user = tracker.latest_action_name == "action_listen" and latest_intent(tracker) in starts
        if handed_over and not asked_by_user:
            if tracker.latest_action_name == "action_listen":
                dispatcher.utter_message(response="utter_waiting_for_person")
            return [FollowupAction("action_listen")]
        if status in FINAL_STATUSES:
            if asked_by_user:
                dispatcher.utter_message(
                    response="utter_already_done", status_text=term(language(tracker), "status", status)
                )
            return [FollowupAction("action_listen")]
        if status in CLOSED_STATUSES and not asked_by_user:
            return [FollowupAction("action_listen")]
        events: list[EventType] = []
        if tracker.get_slot("application_id") is None or status in CLOSED_STATUSES:
            app = await backend_api.create_application(tracker.sender_id, channel(tracker))
            events = await reset_application_events(tracker) + [
                SlotSet("application_id", app.id),
                SlotSet("application_status", app.status),
            ]
            tracker.slots.update({e["name"]: e["value"] for e in events})
        form = next_form(tracker)
        return events + [FollowupAction(form or "action_listen")]


class ActionGoBack(Action):
    """Goes back one question inside the current stage (finished stages are changed by correct_info)."""

    def name(self) -> str:
        return "action_go_back"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = (tracker.active_loop or {}).get("name")
        requested = tracker.get_slot("requested_slot")
        if form == "risk_form":
            answers = list(tracker.get_slot("risk_answers") or [])
            if answers:
                return [SlotSet("risk_answers", answers[:-1]), SlotSet("risk_answer", None)]
        slots = form_slots(form) if form else []
        # consent is recorded, not re-asked; id_confirmed belongs with id_number
        slots = [s for s in slots if s not in ("consent", "id_confirmed")]
        current = "id_number" if requested == "id_confirmed" else requested
        if current not in slots or slots.index(current) == 0:
            if requested == "id_confirmed":
                return [SlotSet("id_number", None), SlotSet("id_confirmed", None)]
            dispatcher.utter_message(response="utter_go_back_first")
            return []
        previous = slots[slots.index(current) - 1]
        return [SlotSet(previous, None), SlotSet(requested, None)]


# What each correctable field resets, and the stage form that asks it again.
CORRECTIONS: dict[str, tuple[str, list[str]]] = {
    "phone": ("phone_form", ["phone_number", "sms_code", "phone_masked"]),
    "identity": ("identity_form", ["name", "id_number", "id_confirmed", "liveness_passed", "id_masked"]),
    "risk": ("risk_form", ["risk_answer", "risk_answers", "risk_level"]),
    "card": ("bank_form", ["bank_card", "card_masked", "bank_name", "review_confirmed"]),
}
ENTITY_FIELDS = {"phone_number": "phone", "id_number": "identity", "name": "identity", "bank_card": "card"}


def field_to_correct(tracker: Tracker) -> tuple[str | None, dict[str, Any]]:
    """Which field the user wants to change, and any new value they already gave."""
    new_values = {
        e["entity"]: e["value"]
        for e in tracker.latest_message.get("entities", [])
        if e["entity"] in ENTITY_FIELDS
    }
    for entity in new_values:
        return ENTITY_FIELDS[entity], new_values
    text = tracker.latest_message.get("text") or ""
    return next((field for field, words in field_words() if words.search(text)), None), {}


class ActionCorrectInfo(Action):
    def name(self) -> str:
        return "action_correct_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        active = (tracker.active_loop or {}).get("name")
        if tracker.get_slot("application_status") in FINAL_STATUSES:
            dispatcher.utter_message(response="utter_cannot_change_now")
            return []
        field, new_values = field_to_correct(tracker)
        if field is None or tracker.get_slot("application_id") is None:
            dispatcher.utter_message(response="utter_which_field")
            return [FollowupAction(active)] if active else []
        form, slots = CORRECTIONS[field]
        events: list[EventType] = [ActiveLoop(None)] + [SlotSet(slot, None) for slot in slots]
        events += [SlotSet(slot, value) for slot, value in new_values.items()]
        # Re-activating the form validates any new value given in the same sentence.
        return events + [FollowupAction(form)]


class ActionPause(Action):
    def name(self) -> str:
        return "action_pause"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        app_id = tracker.get_slot("application_id")
        if app_id:
            await backend_api.or_none(backend_api.pause(app_id))
        dispatcher.utter_message(response="utter_paused")
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionCancel(Action):
    def name(self) -> str:
        return "action_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        app_id = tracker.get_slot("application_id")
        if tracker.get_slot("application_status") in FINAL_STATUSES:
            dispatcher.utter_message(response="utter_cannot_change_now")
            return []
        if app_id:
            await backend_api.or_none(backend_api.cancel(app_id))
        dispatcher.utter_message(response="utter_cancelled")
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            *await reset_application_events(tracker),
            SlotSet("application_id", app_id),
            SlotSet("application_status", "cancelled"),
        ]


class ActionDeleteMyData(Action):
    """Runs after the delete confirmation form: erase everything, or go on where the user was."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        app_id = tracker.get_slot("application_id")
        if tracker.get_slot("delete_confirmed") is not True:
            dispatcher.utter_message(response="utter_delete_kept")
            status = tracker.get_slot("application_status")
            resume = app_id and status not in CLOSED_STATUSES | FINAL_STATUSES
            form = next_form(tracker) if resume else None
            return [SlotSet("delete_confirmed", None)] + ([FollowupAction(form)] if form else [])
        linked: list[str] = []
        if app_id:
            linked = (await backend_api.delete_application(app_id)).erased_senders
        dispatcher.utter_message(response="utter_deleted")
        # The tracker store erases these histories when it saves this turn (bot/erasure.py).
        erase = sorted({tracker.sender_id, *linked})
        return [
            SlotSet(ERASE_CONVERSATIONS_SLOT, erase),
            SlotSet("delete_confirmed", None),
            *await reset_application_events(tracker),
            SlotSet("application_id", app_id),
            SlotSet("application_status", "deleted" if app_id else None),
        ]
