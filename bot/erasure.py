"""Erasing conversation histories from the tracker store when a user deletes their data.

`action_delete_my_data` sets the `erase_conversations` slot to every conversation linked to the deleted
application (the backend's answer: the one that started it, those that resumed it, a hotline call). When
Rasa saves that turn, the tracker store deletes every stored event of those senders and, for the current
conversation, writes a small marker in their place: a session start and the few slots that carry nothing
about the person (language, channel, status "deleted"), so the conversation can still say that the data was
deleted and start afresh. The marker is a complete session, so Rasa's count of stored events (it appends
only the events past that count) agrees with the tracker it reads next.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

ERASE_CONVERSATIONS_SLOT = "erase_conversations"
# Enough to go on in the user's language on the same channel, nothing about who they are.
KEPT_SLOTS = ("language", "channel", "application_status")


def conversations_to_erase(new_events: Iterable[dict[str, Any]]) -> list[str]:
    """The senders named by an `erase_conversations` slot event among the events this save appends."""
    senders: set[str] = set()
    for event in new_events:
        if event.get("event") == "slot" and event.get("name") == ERASE_CONVERSATIONS_SLOT:
            senders.update(s for s in event.get("value") or [] if isinstance(s, str) and s)
    return sorted(senders)


def marker_events(slots: dict[str, Any], now: float | None = None) -> list[dict[str, Any]]:
    """What stays of the current conversation: a session start and the non-personal slots."""
    moment = time.time() if now is None else now
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_session_start", "timestamp": moment},
        {"event": "session_started", "timestamp": moment},
    ]
    events += [
        {"event": "slot", "name": name, "value": slots[name], "timestamp": moment}
        for name in KEPT_SLOTS
        if slots.get(name) is not None
    ]
    events.append({"event": "action", "name": "action_listen", "timestamp": moment})
    return events
