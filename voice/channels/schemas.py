"""The /api/voice/turn answer: the /api/chat answer plus what was heard and each reply's audio."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from voice.schemas import ChatResponse, Message


class VoiceMessage(Message):
    audio: str | None = Field(None, description="the reply spoken, base64; null when there is no audio")
    audio_format: Literal["mp3", "wav"] | None = None
    audio_status: Literal["ok", "partial", "text_only", "failed", "no_text"] = Field(
        ...,
        description="ok: audio attached; text_only: no voice speaks this language (Tibetan today), show the "
        "text; failed: every speech engine failed this time; partial: the audio stops before the text ends "
        "(an engine failed mid-reply); no_text: nothing to say (a custom payload)",
    )


class VoiceTurnResponse(ChatResponse):
    messages: list[VoiceMessage]
    transcript: str = Field(..., description="what was heard; empty when nothing usable was heard")
    transcript_rejected: str | None = Field(
        None,
        description="why the recording was not sent to the assistant (no_speech, repetition, hallucination, "
        "too_long, unsupported_language, asr_error); the replies then ask the user to say it again",
    )
    asr_engine: str
    audio_seconds: float
