"""POST /api/voice/speak: any reply text as audio, for the web pages (/api/chat answers with text only).

Request  {"text": str, "language": a code of the languages registry, "dialect": str | null, "slow": bool}
Answers  200  the audio file itself (audio/mpeg or audio/wav), header X-Audio-Status: ok | partial
         204  no audio, and why in X-Audio-Status: text_only (no voice for the language, e.g. Tibetan without
              an MMS voice) or no_text (nothing speakable, e.g. only punctuation); the page shows text only
         422  {"error": "empty_text" | "text_too_long" | "unknown_language" | "invalid_request", "message"}
         503  {"error": "tts_failed", ...} every engine failed
It runs the same chain as the voice channels (VoiceTurn.speak_message: sentence by sentence, cached,
`slow` = the senior rate, VOICE_SLOW_RATE, 0.8 by default).
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool, StrictStr

from gateway.schemas import ErrorResponse
from gateway.services import Gateway
from languages import DEFAULT_LANGUAGE, known_languages
from privacy.logs import digits_logger
from voice.channels.speaking import whole_replies
from voice.channels.turn import Conversation

log = digits_logger("gateway.speak")
LANGUAGES = known_languages()
# Longer than a chat message: the personal-information notice alone is several hundred characters.
DEFAULT_MAX_SPEAK_CHARS = 3000
CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}


class SpeakRequest(BaseModel):
    text: StrictStr = Field(..., description="the reply to speak")
    language: StrictStr = Field(
        DEFAULT_LANGUAGE, description="the answer's `language`: zh, yue, bo, ug or en"
    )
    dialect: StrictStr | None = Field(None, description="a Chinese dialect for a fitting voice, if any")
    slow: StrictBool = Field(False, description="the slower senior rate")


def max_speak_chars() -> int:
    return int(os.environ.get("VOICE_SPEAK_MAX_CHARS", DEFAULT_MAX_SPEAK_CHARS))


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def router(gateway: Gateway) -> APIRouter:
    api = APIRouter(tags=["voice"])
    responses: dict[int | str, dict[str, Any]] = {
        200: {"content": {"audio/mpeg": {}, "audio/wav": {}}, "description": "the audio file"},
        204: {"description": "no voice for this language or nothing speakable (X-Audio-Status says which)"},
        422: {"model": ErrorResponse},
        503: {"model": ErrorResponse},
    }

    @api.post("/api/voice/speak", response_class=Response, responses=responses)
    async def speak(body: SpeakRequest) -> Response:
        text = body.text.strip()
        limit = max_speak_chars()
        if not text:
            return error(422, "empty_text", "text must not be empty")
        if len(text) > limit:
            return error(422, "text_too_long", f"text is limited to {limit} characters")
        if body.language not in LANGUAGES:
            return error(422, "unknown_language", f"language must be one of {', '.join(LANGUAGES)}")
        turn = await gateway.voice.turn()
        conversation = Conversation(language=body.language, dialect=body.dialect, slow=body.slow)
        parts = [part async for part in turn.speak_message(0, {"text": text}, conversation)]
        reply = whole_replies(parts)[0]
        if reply.speech is None:
            if reply.status == "failed":
                return error(503, "tts_failed", "speech synthesis failed; show the text")
            return Response(status_code=204, headers={"X-Audio-Status": reply.status})
        log.info("spoke %d characters of %s with %s", len(text), body.language, reply.speech.engine)
        return Response(
            reply.speech.audio,
            media_type=CONTENT_TYPES.get(reply.speech.format, "application/octet-stream"),
            headers={"X-Audio-Status": reply.status, "Cache-Control": "no-store"},
        )

    return api
