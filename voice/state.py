"""The `state` every answer carries, read from the conversation's slots."""

from __future__ import annotations

from typing import Any

from voice.schemas import State

EXPECTS = {"value", "confirm", "choice"}


def state_from_slots(slots: dict[str, Any]) -> State:
    expects = slots.get("expects")
    return State(
        stage=int(slots.get("stage") or 1),
        step=slots.get("step") or "consent",
        application_id=slots.get("application_id"),
        status=slots.get("application_status"),
        risk_level=slots.get("risk_level"),
        expects=expects if expects in EXPECTS else None,
    )


def is_known_conversation(tracker: dict[str, Any]) -> bool:
    """Rasa creates an empty tracker for any id it is asked about; only one with a user message is known."""
    return bool((tracker.get("latest_message") or {}).get("text"))
