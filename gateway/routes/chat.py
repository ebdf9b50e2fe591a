"""The chat API: a message in, the replies and the conversation's state out; the state alone; the NLU."""

from __future__ import annotations

import re

from fastapi import APIRouter

from gateway.answers import chat_response, is_known_conversation
from gateway.errors import GatewayError
from gateway.routes import ERRORS, checked_text
from gateway.schemas import ChatRequest, ChatResponse, ParseRequest, ParseResponse
from gateway.services import Gateway
from languages import DEFAULT_LANGUAGE
from voice.dialogue import SENDER_ID_PATTERN

LANGUAGE_ENTITY = "language"  # set by dialects.components.language_identifier


def router(gateway: Gateway) -> APIRouter:
    api = APIRouter(tags=["chat"])
    engine, limits, settings = gateway.engine, gateway.limits, gateway.settings

    @api.post("/api/chat", response_model=ChatResponse, responses=ERRORS)
    async def chat(body: ChatRequest) -> ChatResponse:
        await limits.check_sender(body.sender_id)  # first: a flood of invalid messages counts too
        text = checked_text(body.text, settings.max_text_chars)
        metadata = {"channel": body.channel or "app"}
        turn = await engine.turn(body.sender_id, text, metadata, body.message_id)
        return chat_response(body.sender_id, turn.messages, turn.tracker)

    @api.get("/api/chat/{sender_id}/state", response_model=ChatResponse, responses=ERRORS)
    async def conversation_state(sender_id: str) -> ChatResponse:
        if not re.fullmatch(SENDER_ID_PATTERN.strip("^$"), sender_id):
            raise GatewayError(422, "invalid_sender_id", "sender_id has 1-64 letters, digits or _.:@-")
        tracker = await engine.tracker(sender_id)
        if not is_known_conversation(tracker):
            raise GatewayError(404, "unknown_sender", "no conversation with this sender_id")
        return chat_response(sender_id, [], tracker)

    @api.post("/api/nlu/parse", response_model=ParseResponse, responses=ERRORS)
    async def parse(body: ParseRequest) -> ParseResponse:
        text = checked_text(body.text, settings.max_text_chars)
        result = await engine.parse(text)
        intent = result.get("intent") or {}
        entities = result.get("entities") or []
        # The identifier's `language` entity is how the engine switches the conversation's language slot;
        # here it is reported as a flag rather than as a contract entity.
        switches = any(e.get("entity") == LANGUAGE_ENTITY for e in entities)
        return ParseResponse(
            intent={"name": intent.get("name"), "confidence": float(intent.get("confidence") or 0.0)},
            entities=[e for e in entities if e.get("entity") != LANGUAGE_ENTITY],
            language=result.get("language") or DEFAULT_LANGUAGE,
            language_decisive=switches,
            dialect=result.get("dialect"),
            normalized_text=result.get("normalized_text") or result.get("text") or text,
        )

    return api
