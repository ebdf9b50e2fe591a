"""Messages about the conversation itself, which no step may read as its answer: asking for another language
("讲广东话", "说藏语"), for normal speed ("正常说就行"), or for the video-witness appointment.

Every stage's validation, the detours and the fallback look here first.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import latest_intent, latest_text, set_this_turn, uttered_this_turn
from actions.senior import MODE_SLOTS, asks_for_normal_speed, book_video_witness, wants_video_witness
from bot.replies import reply_languages
from dialects.language_id import requested_language

# What the classifier makes of a bare "讲广东话" / "说藏语" / "我听不懂，说维语": nothing the flow acts on.
# A request that comes with an answer ("说普通话，同意") or asks to slow down is handled as that answer.
_NOTHING_ELSE = {"ask_repeat", "out_of_scope", "nlu_fallback", "greet", "bot_challenge", "thank"}


def requested_switch(tracker: Tracker) -> str | None:
    """The language the user asked for in so many words, when that is all the message says."""
    wanted = requested_language(latest_text(tracker))
    if wanted not in reply_languages() or latest_intent(tracker) not in _NOTHING_ELSE:
        return None
    entities = tracker.latest_message.get("entities") or []
    return None if any(e.get("entity") != "language" for e in entities) else wanted


async def intercept(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """The events that handle a message about the conversation itself; None when the message is not one.

    The events always set a slot, even to its current value: that marks the message as handled for the
    second validation a form runs in the same turn, and keeps the form from rejecting it.
    """
    wanted = requested_switch(tracker)
    if wanted and not uttered_this_turn(tracker, "utter_language_switched"):
        # The slot mapping has already set `language`; the step's question follows in it.
        dispatcher.utter_message(response="utter_language_switched")
        return [SlotSet("language", wanted)]
    if asks_for_normal_speed(tracker) and not set_this_turn(tracker, "senior_mode"):
        dispatcher.utter_message(response="utter_senior_mode_off")
        return [SlotSet(slot, False) for slot in MODE_SLOTS]
    if wants_video_witness(tracker) and not set_this_turn(tracker, "video_appointment"):
        return await book_video_witness(dispatcher, tracker)
    return None


class InterceptingAction(Action, ABC):
    """An action outside the forms (detours, fallback) that lets a message about the conversation itself be
    handled first, as the forms' validation does."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        handled = await intercept(dispatcher, tracker)
        if handled is not None:
            return handled
        return await self.answer(dispatcher, tracker)

    @abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """What the action does with any other message."""
