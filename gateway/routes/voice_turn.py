"""POST /api/voice/turn: one recorded utterance in, the assistant's replies out as text and audio."""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse

from gateway.answers import chat_response
from gateway.schemas import MESSAGE_ID_PATTERN, Channel, ErrorResponse, VoiceMessage, VoiceTurnResponse
from gateway.services import Gateway
from privacy.logs import digits_logger
from voice.audio import AudioError, decode_audio
from voice.channels.speaking import SpokenReply, shown
from voice.dialogue import SENDER_ID_PATTERN

log = digits_logger("gateway.voice_turn")
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# AudioError codes (voice/audio.py) -> HTTP status; the JSON error is "audio_<code>".
STATUS = {"empty": 422, "corrupt": 422, "too_long": 422, "unsupported_format": 415, "too_large": 413}


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


def router(gateway: Gateway) -> APIRouter:
    api = APIRouter(tags=["voice"])
    errors: dict[int | str, dict[str, Any]] = {s: {"model": ErrorResponse} for s in (413, 415, 422, 429, 503)}

    @api.post("/api/voice/turn", response_model=VoiceTurnResponse, responses=errors)
    async def voice_turn(
        sender_id: str = Form(..., regex=SENDER_ID_PATTERN, description="the same id as for /api/chat"),
        audio: UploadFile = File(..., description="one utterance: wav, mp3, ogg or webm, up to 30 s"),
        channel: Channel | None = Form(None),
        message_id: str | None = Form(
            None, regex=MESSAGE_ID_PATTERN, description="as for /api/chat: sent again, the first answer again"
        ),
    ) -> VoiceTurnResponse | JSONResponse:
        await gateway.limits.check_sender(sender_id)  # before the audio is read or recognised
        limit = max_upload_bytes()
        data = await audio.read(limit + 1)
        if len(data) > limit:
            return audio_error(AudioError("too_large", f"the audio file is larger than {limit} bytes"))
        try:
            pcm = await asyncio.to_thread(decode_audio, data)
        except AudioError as error:
            log.info("voice turn %s: bad audio (%s)", sender_id, error.code)
            return audio_error(error)
        turn = await gateway.voice.turn()
        outcome = await turn.hear(
            sender_id, pcm, channel=channel or "app", encoded=data, message_id=message_id
        )
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

    return api
