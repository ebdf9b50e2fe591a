"""Request and response models of the public HTTP API (../shared/design/contract.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, StrictStr

from voice.dialogue import SENDER_ID_PATTERN

MESSAGE_ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,64}$"
Channel = Literal["app", "hotline", "senior"]


class ChatRequest(BaseModel):
    sender_id: StrictStr = Field(..., regex=SENDER_ID_PATTERN, description="your id for this conversation")
    text: StrictStr = Field(..., description="what the user typed or said")
    channel: Channel | None = Field(None, description="app (default), hotline or senior")
    message_id: StrictStr | None = Field(
        None,
        regex=MESSAGE_ID_PATTERN,
        description="the client's id for this message: sent again (no answer came), it answers the first "
        "answer again and changes nothing",
    )


class Button(BaseModel):
    title: str
    payload: str


class Message(BaseModel):
    text: str | None = None
    buttons: list[Button] = []
    custom: dict[str, Any] | None = None


class State(BaseModel):
    stage: int = Field(..., ge=1, le=5)
    step: str | None
    application_id: str | None
    status: str | None
    risk_level: str | None
    expects: Literal["value", "confirm", "choice"] | None


class ChatResponse(BaseModel):
    sender_id: str
    language: str
    senior_mode: bool
    messages: list[Message]
    state: State


class SandboxPhoneRequest(BaseModel):
    phone: StrictStr = Field(..., max_length=32, description="an 11-digit mainland mobile number")


class SandboxRewindRequest(SandboxPhoneRequest):
    seconds: int = Field(..., ge=1, le=86400)


class ParseRequest(BaseModel):
    text: StrictStr


class Intent(BaseModel):
    name: str | None
    confidence: float


class Entity(BaseModel):
    entity: str
    value: Any
    start: int | None = None
    end: int | None = None
    extractor: str | None = None
    confidence: float | None = None

    class Config:
        extra = "allow"


class ParseResponse(BaseModel):
    intent: Intent
    entities: list[Entity]
    language: str
    # True when the message shows its language clearly enough to switch the conversation to it
    language_decisive: bool = False
    dialect: str | None
    normalized_text: str


class ErrorResponse(BaseModel):
    error: str
    message: str


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
    """The /api/voice/turn answer: the /api/chat answer plus what was heard and each reply's audio."""

    messages: list[VoiceMessage]
    transcript: str = Field(..., description="what was heard; empty when nothing usable was heard")
    transcript_rejected: str | None = Field(
        None,
        description="why the recording was not sent to the assistant (no_speech, repetition, hallucination, "
        "too_long, unsupported_language, asr_error); the replies then ask the user to say it again",
    )
    asr_engine: str
    audio_seconds: float
