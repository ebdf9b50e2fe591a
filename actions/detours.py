"""Answers to what users ask at any step, and the two-stage fallback.

The stage form asks its question again right after these actions (see bot/data/rules_detours_in_stage.yml),
so a detour never loses the user's place.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import language, latest_intent, latest_text, understood_text
from actions.flow import current_stage
from actions.handoff import open_ticket
from actions.intercept import InterceptingAction
from actions.keywords import resend_code_words
from actions.senior import asks_for_senior_mode, switch_on_events
from actions.stage1_phone import resend_code
from bot.replies import term

ANSWERS = {
    "ask_fee": "utter_answer_fee",
    "ask_duration": "utter_answer_duration",
    "ask_documents": "utter_answer_documents",
    "ask_safety": "utter_answer_safety",
    "bot_challenge": "utter_iamabot",
    "thank": "utter_youre_welcome",
    "goodbye": "utter_goodbye",
    "out_of_scope": "utter_out_of_scope",
    "ask_slower": "utter_slow_down",
}


def in_stage(tracker: Tracker) -> bool:
    return bool((tracker.active_loop or {}).get("name"))


def last_bot_messages(tracker: Tracker) -> list[dict]:
    """The bot's messages that answered the user's previous message (what "repeat" repeats)."""
    messages: list[dict] = []
    users_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                break
        elif event.get("event") == "bot" and users_seen == 1:
            messages.append(event)
    return list(reversed(messages))


class ActionHandleDetour(InterceptingAction):
    def name(self) -> str:
        return "action_handle_detour"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        intent = latest_intent(tracker)
        events: list[EventType] = []
        if intent in ANSWERS:
            dispatcher.utter_message(response=ANSWERS[intent])
        if asks_for_senior_mode(tracker, intent):
            events += switch_on_events(tracker)  # whoever asks to repeat or slow down gets senior mode
        if intent == "greet":
            if not in_stage(tracker):
                dispatcher.utter_message(response="utter_greet")
        elif intent == "ask_repeat":
            events += self._repeat(dispatcher, tracker)
        elif intent == "check_progress":
            await self._progress(dispatcher, tracker)
        elif intent == "request_human":
            events += await self._handoff(dispatcher, tracker)
        elif intent == "go_back" and not in_stage(tracker):
            dispatcher.utter_message(response="utter_go_back_first")
        elif tracker.get_slot("requested_slot") == "sms_code" and resend_code_words().search(
            understood_text(tracker)
        ):
            slots = await resend_code(dispatcher, tracker)
            events += [SlotSet(name, value) for name, value in slots.items() if name != "sms_code"]
        elif (
            intent in ("deny", "out_of_scope")
            and not in_stage(tracker)
            and not tracker.get_slot("application_id")
        ):
            dispatcher.utter_message(response="utter_not_started_hint")
        return events

    @staticmethod
    def _repeat(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        if in_stage(tracker):
            dispatcher.utter_message(response="utter_repeat")  # the stage re-asks its question next
            return []
        for message in last_bot_messages(tracker):
            data = message.get("data") or {}
            dispatcher.utter_message(text=message.get("text"), buttons=data.get("buttons") or [])
        return []

    @staticmethod
    async def _progress(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        if not tracker.get_slot("application_id"):
            dispatcher.utter_message(response="utter_progress_not_started")
            return
        stage = await current_stage(tracker)
        dispatcher.utter_message(
            response="utter_progress", stage=stage, stage_name=term(language(tracker), "stage_names", stage)
        )

    @staticmethod
    async def _handoff(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        ticket = await open_ticket(tracker, latest_text(tracker)[:200] or "request_human")
        if ticket is None:
            dispatcher.utter_message(response="utter_handoff_failed")
            return []
        dispatcher.utter_message(
            response="utter_handoff", ticket_id=ticket.ticket_id, eta_minutes=ticket.eta_minutes
        )
        return [SlotSet("handoff_ticket", ticket.ticket_id)]


def fallback_streak(tracker: Tracker) -> int:
    """How many of the latest user messages in a row were not understood."""
    streak = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != "nlu_fallback":
            break
        streak += 1
    return streak


class ActionFallback(InterceptingAction):
    """Two stages: first ask to rephrase; when that fails too, offer a person or a fresh start."""

    def name(self) -> str:
        return "action_fallback"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        second = fallback_streak(tracker) >= 2
        dispatcher.utter_message(response="utter_fallback_second" if second else "utter_fallback_first")
        return []
