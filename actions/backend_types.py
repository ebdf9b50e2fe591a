"""What the backend answers, as typed values: the shapes of backend/README.md (backend/schemas.py).

`parse` builds them from the JSON. Fields the backend adds later are ignored, and dates stay the ISO strings
the JSON carries (the dialogue only shows them). The actions never import the backend package: it is
reached over HTTP only.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from typing import Any, Literal, TypeVar

from languages import DEFAULT_LANGUAGE

T = TypeVar("T")

CancelReason = Literal["user_request", "agreement_declined"]


@dataclass(frozen=True)
class Application:
    """The snapshot every application call returns (masked numbers only)."""

    id: str
    sender_id: str
    channel: str
    status: str  # in_progress | manual_review | approved | refused | cancelled | deleted
    consent: bool | None = None
    phone_verified: bool = False
    phone_masked: str | None = None
    name: str | None = None
    id_masked: str | None = None
    identity_verified: bool = False
    age: int | None = None
    liveness_passed: bool = False
    risk_level: str | None = None
    agreement_signed: bool = False
    bank_name: str | None = None
    card_masked: str | None = None
    account_number: str | None = None
    review_reasons: list[str] = field(default_factory=list)
    refusal_reason: str | None = None
    next_step: str | None = None
    stage: int | None = None
    paused: bool = False


@dataclass(frozen=True)
class DeletedApplication(Application):
    erased_senders: list[str] = field(default_factory=list)  # conversations whose history the caller erases


@dataclass(frozen=True)
class FlowStage:
    stage: int
    steps: list[str]


@dataclass(frozen=True)
class Flow:
    """The one table of stages and steps (backend/data/flow.yml)."""

    stages: list[FlowStage]

    def stage_of(self, step: str) -> int:
        """The stage of a step of the table; a KeyError names a step the table does not have."""
        return {name: stage.stage for stage in self.stages for name in stage.steps}[step]


@dataclass(frozen=True)
class Notice:
    version: str
    text: str
    lang: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: list[str]


@dataclass(frozen=True)
class Questionnaire:
    version: str
    questions: list[Question]
    lang: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    version: str
    summary: str


@dataclass(frozen=True)
class Agreements:
    version: str
    documents: list[Document]
    lang: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class CodeSent:
    phone_masked: str
    expires_in_s: int
    resend_after_s: int
    already_sent: bool = False  # a code sent to this number moments ago is still valid: no new SMS


@dataclass(frozen=True)
class Verification:
    verified: bool
    application: Application
    resumed: bool  # another in-progress application of the same phone was resumed and is returned


@dataclass(frozen=True)
class IdCheck:
    valid: bool
    id_masked: str
    birth_date: str  # YYYY-MM-DD
    age: int
    region: str
    gender: str


@dataclass(frozen=True)
class LivenessSession:
    session_id: str
    url: str
    status: str


@dataclass(frozen=True)
class LivenessResult:
    passed: bool
    status: str  # passed | failed | pending
    application: Application


@dataclass(frozen=True)
class RiskResult:
    score: int
    level: str  # C1 … C5
    level_name: str
    lowest_category: bool
    notice: str | None
    application: Application
    lang: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Signature:
    signed: bool
    version: str
    signed_at: str
    application: Application


@dataclass(frozen=True)
class CardBound:
    bank_name: str
    card_masked: str
    card_last4: str
    application: Application


@dataclass(frozen=True)
class Submission:
    status: str  # approved | manual_review
    account_number: str | None
    review_reasons: list[str]
    application: Application
    lang: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class HandoffTicket:
    ticket_id: str
    eta_minutes: int


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    slot_time: str  # ISO 8601 with offset
    slot_minutes: int
    status: str
    existing: bool = False


@dataclass(frozen=True)
class AnswerRecord:
    """A consent or signature answer as evidence (a request part): the user's words, the channel and, for a
    voice answer, the sha256 of its audio (the gateway stored the recording under it)."""

    utterance: str
    channel: str
    audio_sha256: str | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"utterance": self.utterance, "channel": self.channel}
        if self.audio_sha256:
            body["audio_sha256"] = self.audio_sha256
        return body


def parse(cls: type[T], data: dict[str, Any]) -> T:
    """A typed answer from the backend's JSON; a missing required field raises TypeError."""
    hints = _hints(cls)
    values = {f.name: _value(hints[f.name], data[f.name]) for f in fields(cls) if f.name in data}
    return cls(**values)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _value(hint: Any, value: Any) -> Any:
    """Nested answers (an Application, a list of questions) become their types; anything else stays."""
    if value is None:
        return None
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next((arg for arg in typing.get_args(hint) if arg is not type(None)), hint)
    if is_dataclass(hint):
        return parse(hint, value)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return [_value(item, each) for each in value]
    return value
