"""A person takes over: the handoff ticket (POST /handoff), asked for by the user or opened when asking
again cannot help, and the step the conversation shows meanwhile."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import backend_api
from actions.backend_types import HandoffTicket
from actions.conversation import channel

# The step a conversation shows once a person has taken over (the form waits until the user goes on).
HANDOFF_STEP = "handoff"


async def open_ticket(tracker: Tracker, reason: str) -> HandoffTicket | None:
    """A new handoff ticket for this conversation; None when the backend cannot open one."""
    return await backend_api.or_none(
        backend_api.request_handoff(
            sender_id=tracker.sender_id,
            application_id=tracker.get_slot("application_id"),
            reason=reason,
            channel=channel(tracker),
        )
    )


async def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> dict[str, Any]:
    """A person takes over the step: a handoff ticket (the one already open, if any), and the form stops
    asking. Answers the slots to set."""
    ticket_id = tracker.get_slot("handoff_ticket")
    eta = None
    if ticket_id is None and (ticket := await open_ticket(tracker, reason)) is not None:
        ticket_id, eta = ticket.ticket_id, ticket.eta_minutes
    if ticket_id is None:
        dispatcher.utter_message(response="utter_handoff_failed")
    elif eta is None:
        dispatcher.utter_message(response="utter_handed_over_already", ticket_id=ticket_id)
    else:
        dispatcher.utter_message(response="utter_handed_over", ticket_id=ticket_id, eta_minutes=eta)
    return {"requested_slot": None, "step": HANDOFF_STEP, "expects": None, "handoff_ticket": ticket_id}
