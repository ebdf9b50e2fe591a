"""Answers a step does not take: rejected answers (asked again, help offered after repeated failures) and
refusals asking again cannot change (explained once, then a person takes over), counted per step in the
`failed_attempts` slot."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_over

# After this many rejected answers at one step (and every as many more), offer a person or a video witness.
FAILURES_BEFORE_HELP = 2
# Refusals that asking again cannot change (an existing customer, a blocked number, someone else's card):
# the first is explained and another answer asked for; at this many at one step a person takes over.
REFUSALS_BEFORE_HANDOFF = 2


def reject(
    dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, response: str, **kwargs: Any
) -> dict[str, Any]:
    """Say why an answer was not accepted and ask again; offer help after repeated failures. Answers the
    slots to set."""
    dispatcher.utter_message(response=response, **kwargs)
    failures = dict(tracker.get_slot("failed_attempts") or {})
    failures[slot] = failures.get(slot, 0) + 1
    if failures[slot] % FAILURES_BEFORE_HELP == 0:
        # offers a person or a video-witness appointment (buttons; actions/senior.py books it)
        dispatcher.utter_message(response="utter_explain_after_failures")
    return {slot: None, "failed_attempts": failures}


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
