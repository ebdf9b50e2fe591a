"""Session start: remember the channel the user came from (app, hotline or senior page)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

CHANNELS = {"app", "hotline", "senior"}


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        # carry over what the previous session knew (Rasa's default session start does the same)
        events += [SlotSet(name, value) for name, value in tracker.slots.items() if value is not None]
        metadata = tracker.get_slot("session_started_metadata") or {}
        channel = metadata.get("channel")
        if channel in CHANNELS:
            events.append(SlotSet("channel", channel))
            if channel == "senior":
                events += [SlotSet("senior_mode", True), SlotSet("slow_speech", True)]
        return events + [ActionExecuted("action_listen")]
