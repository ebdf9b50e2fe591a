"""The wire format of the app's streaming voice channel (/ws/voice), kept apart from what the stream does.

Client → server
  text   {"type": "start", "sender_id": str, "channel": "app" | "senior" (optional), "sample_rate": 16000}
  binary 16-bit little-endian mono PCM at `sample_rate` (any chunk size; 20–100 ms is typical)
  text   {"type": "end_of_speech"}   push-to-talk released: end the utterance now
  text   {"type": "playback_done"}   the client finished playing the replies
  text   {"type": "stop"}
Server → client (JSON text)
  ready · speech_started · partial {text} · speech_ended · transcript {text, rejected} ·
  per message: reply {index, text, buttons, custom} at once, then audio {index, part, audio (base64),
  audio_format} for each sentence as soon as it is synthesised (play the parts in order), then
  reply_end {index, audio_status: ok | partial | text_only | failed | no_text | interrupted} ·
  turn_end {language, senior_mode, state} · stop_playback (the user spoke over the reply: stop
  playing it) · error {error, message}
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from voice.audio import RECOGNITION_RATE
from voice.dialogue import SENDER_ID_PATTERN
from voice.pipeline.frames import (
    ErrorFrame,
    Frame,
    Heard,
    PartialTranscript,
    ReplyAudio,
    ReplyEnd,
    ReplyText,
    SpeechEnded,
    SpeechStarted,
    TurnEnd,
)

CHANNELS = {"app", "senior"}


class ChatView(Protocol):
    """The gateway's /api/chat answer for a conversation (a pydantic model): the stream shows replies and
    the state exactly as /api/chat does."""

    def __call__(self, sender_id: str, replies: list[dict[str, Any]], tracker: dict[str, Any]) -> Any: ...


class StreamError(Exception):
    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error, self.message = error, message


@dataclass(frozen=True)
class Start:
    sender_id: str
    channel: str
    sample_rate: int


def parse_start(frame: str) -> Start:
    try:
        start = json.loads(frame)
        rate = int(start.get("sample_rate") or RECOGNITION_RATE)
    except (ValueError, TypeError, AttributeError) as error:
        raise StreamError("invalid_start", "the first message must be a JSON start message") from error
    sender = start.get("sender_id")
    if start.get("type") != "start" or not isinstance(sender, str) or not re.match(SENDER_ID_PATTERN, sender):
        raise StreamError("invalid_start", 'send {"type": "start", "sender_id": "<1-64 of A-Za-z0-9_.:@->"}')
    if not 8000 <= rate <= 48000:
        raise StreamError("invalid_sample_rate", "sample_rate must be between 8000 and 48000")
    channel = start.get("channel") if start.get("channel") in CHANNELS else "app"
    return Start(sender, channel, rate)


def parse_control(frame: str) -> str | None:
    """The type of a control message (end_of_speech, playback_done, stop; others are ignored)."""
    try:
        return json.loads(frame).get("type")
    except (ValueError, AttributeError) as error:
        raise StreamError("invalid_message", "control messages are JSON objects with a type") from error


def check_audio(chunk: bytes) -> bytes:
    if len(chunk) % 2:
        raise StreamError("invalid_audio", "audio frames are 16-bit PCM: an even number of bytes")
    return chunk


def ready(sender_id: str) -> dict[str, Any]:
    return {"type": "ready", "sender_id": sender_id}


def stop_playback() -> dict[str, Any]:
    return {"type": "stop_playback"}


def error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": code, "message": message}


def message(frame: Frame, sender_id: str, chat: ChatView) -> dict[str, Any] | None:
    """What the client is told of a frame; None for frames the stream does not show."""
    if isinstance(frame, SpeechStarted):
        return {"type": "speech_started"}
    if isinstance(frame, PartialTranscript):
        return {"type": "partial", "text": frame.text}
    if isinstance(frame, SpeechEnded):
        return {"type": "speech_ended"}
    if isinstance(frame, Heard):
        heard = frame.transcript.text if frame.transcript.rejected is None else ""
        return {"type": "transcript", "text": heard, "rejected": frame.transcript.rejected}
    if isinstance(frame, ReplyText):
        [shown] = chat(sender_id, [frame.message], {}).dict()["messages"]
        return {"type": "reply", "index": frame.index, **shown}
    if isinstance(frame, ReplyAudio):
        audio = base64.b64encode(frame.speech.audio).decode("ascii")
        part, fmt = frame.part, frame.speech.format
        return {"type": "audio", "index": frame.index, "part": part, "audio": audio, "audio_format": fmt}
    if isinstance(frame, ReplyEnd):
        return {"type": "reply_end", "index": frame.index, "audio_status": frame.status}
    if isinstance(frame, TurnEnd):
        chat_answer = chat(sender_id, [], frame.tracker or {})
        return {"type": "turn_end", **chat_answer.dict(exclude={"messages", "sender_id"})}
    if isinstance(frame, ErrorFrame):
        return error(frame.error, frame.message)
    return None
