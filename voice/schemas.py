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
