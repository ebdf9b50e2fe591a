"""POST /api/voice/turn: one recorded utterance in, the assistant's replies out as text and audio."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse

from voice.audio import AudioError, decode_audio
from voice.channels.logs import channel_logger
from voice.channels.schemas import VoiceMessage, VoiceTurnResponse
from voice.channels.speak import speak_router
from voice.channels.speaking import SpokenReply, shown
from voice.channels.turn import VoiceTurn
from voice.schemas import SENDER_ID_PATTERN, Channel, ChatResponse, ErrorResponse

log = channel_logger("voice.http")
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# AudioError codes (voice/audio.py) -> HTTP status; the JSON error is "audio_<code>".
STATUS = {"empty": 422, "corrupt": 422, "too_long": 422, "unsupported_format": 415, "too_large": 413}
ChatResponder = Callable[[str, list[dict[str, Any]], dict[str, Any]], ChatResponse]


def max_upload_bytes() -> int:
    return int(os.environ.get("VOICE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def audio_error(error: AudioError) -> JSONResponse:
    return JSONResponse(
        {"error": f"audio_{error.code}", "message": error.message}, status_code=STATUS.get(error.code, 422)
    )


def voice_message(spoken: SpokenReply) -> VoiceMessage:
    message = spoken.message
    return VoiceMessage(
        text=message.get("text"),
        buttons=message.get("buttons") or [],
        custom=message.get("custom"),
        audio=base64.b64encode(spoken.speech.audio).decode("ascii") if spoken.speech else None,
        audio_format=spoken.speech.format if spoken.speech else None,
        audio_status=spoken.status,
    )


def router(
    get_turn: Callable[[], Awaitable[VoiceTurn]],
    chat_response: ChatResponder,
    check_sender: Callable[[str], Awaitable[None]],
) -> APIRouter:
    api = APIRouter()
    errors: dict[int | str, dict[str, Any]] = {s: {"model": ErrorResponse} for s in (413, 415, 422, 429, 503)}

    @api.post("/api/voice/turn", response_model=VoiceTurnResponse, responses=errors)
    async def voice_turn(
        sender_id: str = Form(..., regex=SENDER_ID_PATTERN, description="the same id as for /api/chat"),
        audio: UploadFile = File(..., description="one utterance: wav, mp3, ogg or webm, up to 30 s"),
        channel: Channel | None = Form(None),
    ) -> VoiceTurnResponse | JSONResponse:
        await check_sender(sender_id)  # before the audio is read or recognised (voice/limits.py)
        limit = max_upload_bytes()
        data = await audio.read(limit + 1)
        if len(data) > limit:
            return audio_error(AudioError("too_large", f"the audio file is larger than {limit} bytes"))
        try:
            pcm = await asyncio.to_thread(decode_audio, data)
        except AudioError as error:
            log.info("voice turn %s: bad audio (%s)", sender_id, error.code)
            return audio_error(error)
        turn = await get_turn()
        outcome = await turn.hear(sender_id, pcm, channel=channel or "app", encoded=data)
        spoken = [s for s in await turn.speak_all(outcome) if shown(s.message)]
        chat = chat_response(sender_id, outcome.replies, outcome.tracker)
        transcript = outcome.transcript
        assert transcript is not None  # hear() always sets it
        return VoiceTurnResponse(
            **chat.dict(exclude={"messages"}),
            messages=[voice_message(s) for s in spoken],
            transcript=transcript.text if transcript.rejected is None else "",
            transcript_rejected=transcript.rejected,
            asr_engine=transcript.engine,
            audio_seconds=round(pcm.duration_s, 3),
        )

    api.include_router(speak_router(get_turn))  # reply audio for the web pages
    return api
