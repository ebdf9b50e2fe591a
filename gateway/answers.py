"""The answer every chat and voice route gives: the replies to show and the conversation's `state`, read from
its slots."""

from __future__ import annotations

from typing import Any

from gateway.schemas import ChatResponse, Message, State
from languages import DEFAULT_LANGUAGE

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


def chat_response(sender_id: str, replies: list[dict[str, Any]], tracker: dict[str, Any]) -> ChatResponse:
    slots = tracker.get("slots") or {}
    messages = [
        Message(text=r.get("text"), buttons=r.get("buttons") or [], custom=r.get("custom"))
        for r in replies
        if r.get("text") or r.get("custom")
    ]
    return ChatResponse(
        sender_id=sender_id,
        language=slots.get("language") or DEFAULT_LANGUAGE,
        senior_mode=bool(slots.get("senior_mode")),
        messages=messages,
        state=state_from_slots(slots),
    )


def is_known_conversation(tracker: dict[str, Any]) -> bool:
    """Rasa creates an empty tracker for any id it is asked about; only one with a user message is known."""
    return bool((tracker.get("latest_message") or {}).get("text"))
