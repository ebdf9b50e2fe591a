"""Ask actions: each asks one form slot's question and publishes the step being asked."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.flow import asked_events


class AskAction(Action, ABC):
    """Utters `utter_ask_<slot>` and sets stage/step/expects; subclasses add template values."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The form slot this action asks for (subclasses set it as a class attribute)."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def template_values(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any] | None:
        """Values for the response template; None when the question cannot be asked now."""
        return {}

    def step_name(self, tracker: Tracker) -> str | None:
        return None

    def buttons(self, values: dict[str, Any]) -> list[dict[str, str]] | None:
        return None

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        values = await self.template_values(dispatcher, tracker)
        if values is None:
            return []
        extra = {"buttons": buttons} if (buttons := self.buttons(values)) else {}
        dispatcher.utter_message(response=f"utter_ask_{self.slot}", **values, **extra)
        return await asked_events(tracker, self.slot, self.step_name(tracker))
