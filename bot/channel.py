"""The gateway's channel into the dialogue: the one way a user's message reaches Rasa (credentials.yml).

It replaces Rasa's REST channel for three reasons:
- only the gateway may call it: every request carries GATEWAY_CHANNEL_TOKEN (`Authorization: Bearer`,
  compared in constant time), so nobody on the network skips the gateway's validation and limits;
- exactly-once turns: a message carries an id (the gateway's digest of the client's `message_id`, stored
  with the event unredacted: privacy/events.py); the same id again (the client got no
  answer, a replica died mid-turn, and it sent the message again) answers with the replies the first one
  produced, read from the conversation itself, and runs nothing. The check and the turn run under the
  conversation's lock (the Redis lock store in a cluster), so two replicas cannot both run it;
- one round trip: the answer carries the conversation's slots after the turn, so the gateway need not read
  the whole tracker again.
"""

from __future__ import annotations

import hmac
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)
TOKEN_VARIABLE = "GATEWAY_CHANNEL_TOKEN"
# What the gateway reads of the message it sent: the NLU's language, dialect and intent.
LATEST_MESSAGE_KEYS = ("text", "intent", "language", "dialect", "message_id")


def replies_to(tracker: DialogueStateTracker, message_id: str) -> list[dict[str, Any]] | None:
    """The replies to the user message with this id, as the output channel gave them; None when the
    conversation has no such message (a new one)."""
    replies: list[dict[str, Any]] | None = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break
            if event.message_id == message_id:
                replies = []
        elif isinstance(event, BotUttered) and replies is not None:
            reply = {"recipient_id": tracker.sender_id, "text": event.text}
            reply.update({key: value for key, value in (event.data or {}).items() if value is not None})
            replies.append({key: value for key, value in reply.items() if value is not None})
    return replies


def state_of(tracker: DialogueStateTracker) -> dict[str, Any]:
    latest = tracker.latest_message.parse_data if tracker.latest_message else {}
    return {
        "sender_id": tracker.sender_id,
        "slots": tracker.current_slot_values(),
        "latest_message": {key: latest.get(key) for key in LATEST_MESSAGE_KEYS if key in latest},
    }


class GatewayInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        token = (credentials or {}).get("token") or os.environ.get(TOKEN_VARIABLE, "")
        if len(token) < 16:
            raise ValueError(
                f"{TOKEN_VARIABLE} must be set (16+ characters): only the gateway may talk to Rasa"
            )
        return cls(token)

    def __init__(self, token: str) -> None:
        self.token = token.encode()

    def _authorized(self, request: Request) -> bool:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
        return hmac.compare_digest(given, self.token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("gateway_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorized(request):
                return response.json({"error": "unauthorized"}, status=401)
            body = request.json or {}
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "invalid_request"}, status=400)
            message_id = str(body.get("message_id") or uuid.uuid4().hex)
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            messages, state = await self._turn(request.app.ctx.agent, sender, text, message_id, metadata)
            return response.json({"messages": messages, **state})

        return webhook

    async def _turn(
        self, agent: Any, sender: str, text: str, message_id: str, metadata: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """What Agent.handle_message does, with the repeat check inside the conversation's lock and the
        tracker kept to answer with its state."""
        processor = agent.processor
        output = CollectingOutputChannel()
        async with agent.lock_store.lock(sender):
            tracker = await processor.fetch_tracker_and_update_session(sender, output, metadata)
            seen = replies_to(tracker, message_id)
            if seen is not None:
                log.info("message %s of %s was already answered: its replies again", message_id, sender)
                return seen, {**state_of(tracker), "repeated": True}
            message = UserMessage(
                text, output, sender, input_channel=self.name(), message_id=message_id, metadata=metadata
            )
            await processor._handle_message_with_tracker(message, tracker)
            tracker = await processor.run_action_extract_slots(output, tracker)
            await processor._run_prediction_loop(output, tracker)
            await processor.run_anonymization_pipeline(tracker)
            await processor.save_tracker(tracker)
        return output.messages, {**state_of(tracker), "repeated": False}
