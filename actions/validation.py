"""The base of the per-stage form validations: a message about the conversation itself is handled first,
and a backend that fails unexpectedly never crashes a turn."""

from __future__ import annotations

import logging
from abc import abstractmethod

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_api import BackendError, BackendUnavailable
from actions.intercept import intercept

log = logging.getLogger(__name__)


class StageValidation(FormValidationAction):
    """Base of the per-stage form validations."""

    @abstractmethod
    def name(self) -> str:
        """validate_<form name>"""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validate; if the backend fails unexpectedly, undo this turn's values and ask again."""
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

    @staticmethod
    def app_id(tracker: Tracker) -> str:
        return tracker.get_slot("application_id")
