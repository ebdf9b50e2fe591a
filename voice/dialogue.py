"""What the voice side needs from the rest of the system, as two small protocols the gateway fills in.

Voice never talks to Rasa or the backend itself: the gateway passes in its dialogue client (its Rasa client,
gateway/engine.py) as a `Dialogue`, and where evidence recordings are kept as a `RecordingSink` (the backend,
over HTTP: gateway/recordings.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

# A conversation id: the sender id of /api/chat, the hotline and the app stream alike.
SENDER_ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,64}$"


@dataclass(frozen=True)
class Turn:
    """The replies to one message and the conversation's state right after it (one round trip)."""

    messages: list[dict[str, Any]]  # as Rasa's output channel gives them ({"text", "buttons", "custom"})
    tracker: dict[str, Any]  # {"sender_id", "slots": {...}, "latest_message": {...}}
    repeated: bool = False  # the message id was answered before: these are the first answer's replies


class Dialogue(Protocol):
    """The assistant's side of a conversation."""

    async def turn(
        self, sender_id: str, text: str, metadata: dict[str, Any], message_id: str | None = None
    ) -> Turn:
        """One user message. The same `message_id` again answers the first answer again and runs nothing."""
        ...

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        """The conversation's state: {"slots": {...}, "latest_message": {...}, ...}."""
        ...


class RecordingSink(Protocol):
    """Keeps the audio of an answer that is evidence (consent, agreement) for a conversation."""

    async def keep(self, audio: bytes, owner: str) -> str | None:
        """Stores `audio` for the conversation `owner`; its sha256 (hex), or None when it could not be kept
        (the answer still counts, its evidence then says no recording)."""
        ...
