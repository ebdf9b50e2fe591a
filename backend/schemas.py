"""Request and response models (pydantic v1: Rasa 3.6 pins it). They make /docs describe the real API."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from pydantic import BaseModel, Field, conint, constr

from languages import DEFAULT_LANGUAGE

Channel = constr(strip_whitespace=True, regex=r"^[a-z][a-z0-9_]{0,31}$")
SenderId = constr(strip_whitespace=True, min_length=1, max_length=128)
Utterance = constr(strip_whitespace=True, min_length=1, max_length=2000)
AudioSha256 = constr(regex=r"^[0-9a-fA-F]{64}$")


class CancelReason(str, Enum):
    user_request = "user_request"
    agreement_declined = "agreement_declined"


class ErrorOut(BaseModel):
    error: str = Field(..., description="stable code the action server maps to a reply")
    message: str = Field(..., description="English sentence for people reading logs")


class ReviewReason(BaseModel):
    code: str
    text: str


class ApplicationOut(BaseModel):
    id: str
    sender_id: str
    channel: str
    status: str = Field(..., description="in_progress|manual_review|approved|refused|cancelled|deleted")
    consent: bool | None
    phone_verified: bool
    phone_masked: str | None
    name: str | None
    id_masked: str | None
    identity_verified: bool
    age: int | None
    liveness_passed: bool
    risk_level: str | None
    agreement_signed: bool
    bank_name: str | None
    card_masked: str | None
    account_number: str | None
    review_reasons: list[str] = Field(
        ..., description="one text per compliance hit, in the language asked for (zh when untranslated)"
    )
    refusal_reason: str | None
    created_at: datetime
    updated_at: datetime
    # Additions to the README shape (never renames):
    review_details: list[ReviewReason] = Field(default_factory=list, description="code + text per reason")
    next_step: str | None = Field(None, description="first step still to do, null when not in progress")
    stage: int | None = Field(None, description="1-5, the stage of next_step")
    paused: bool = False
    merged_into: str | None = None


class DeletedApplicationOut(ApplicationOut):
    erased_senders: list[str] = Field(
        default_factory=list,
        description="every conversation linked to the application, whose history the caller must erase",
    )


class CreateApplicationIn(BaseModel):
    sender_id: SenderId  # type: ignore[valid-type]
    channel: Channel = "app"  # type: ignore[valid-type]


class ConsentIn(BaseModel):
    accepted: bool
    notice_version: constr(strip_whitespace=True, min_length=1, max_length=32)  # type: ignore[valid-type]
    utterance: Utterance  # type: ignore[valid-type]
    channel: Channel = "app"  # type: ignore[valid-type]
    audio_sha256: AudioSha256 | None = Field(  # type: ignore[valid-type]
        None, description="a voice answer: sha256 of its audio (the gateway's stored recording)"
    )


class PhoneIn(BaseModel):
    phone: constr(max_length=32)  # type: ignore[valid-type]


class CodeSentOut(BaseModel):
    phone_masked: str
    expires_in_s: int
    resend_after_s: int
    # True when no SMS went out because a code sent to this number moments ago is still valid: the
    # customer is asked for that code.
    already_sent: bool = False


class VerifyIn(BaseModel):
    code: constr(max_length=16)  # type: ignore[valid-type]


class VerifyOut(BaseModel):
    verified: bool
    application: ApplicationOut
    resumed: bool


class IdNumberIn(BaseModel):
    id_number: constr(max_length=32)  # type: ignore[valid-type]


class IdValidOut(BaseModel):
    valid: bool
    id_masked: str
    birth_date: date
    age: int
    region: str
    gender: str


class IdentityIn(BaseModel):
    name: constr(max_length=64)  # type: ignore[valid-type]
    id_number: constr(max_length=32)  # type: ignore[valid-type]


class LivenessStartOut(BaseModel):
    session_id: str
    url: str
    status: str


class LivenessCheckOut(BaseModel):
    passed: bool
    status: str = Field(..., description="passed|failed|pending")
    application: ApplicationOut


class QuestionOut(BaseModel):
    id: str
    text: str
    options: list[str]


class QuestionnaireOut(BaseModel):
    version: str
    questions: list[QuestionOut]
    lang: str


class RiskIn(BaseModel):
    answers: list[int] = Field(..., description="one option number (1-4) per question, in order")


class RiskOut(BaseModel):
    score: int
    level: str
    level_name: str
    lowest_category: bool
    notice: str | None
    application: ApplicationOut
    lang: str = Field(DEFAULT_LANGUAGE, description="the language of level_name and notice")


class RecordingOut(BaseModel):
    sha256: str
    bytes: int


class StageOut(BaseModel):
    stage: int
    steps: list[str]


class FlowOut(BaseModel):
    stages: list[StageOut]


class NoticeOut(BaseModel):
    version: str
    text: str
    lang: str


class DocumentOut(BaseModel):
    id: str
    title: str
    version: str
    summary: str


class AgreementsOut(BaseModel):
    version: str
    documents: list[DocumentOut]
    lang: str


class SignIn(BaseModel):
    utterance: Utterance  # type: ignore[valid-type]
    channel: Channel = "app"  # type: ignore[valid-type]
    audio_sha256: AudioSha256 | None = None  # type: ignore[valid-type]


class SignOut(BaseModel):
    signed: bool
    version: str
    signed_at: datetime
    application: ApplicationOut


class CardIn(BaseModel):
    card_number: constr(max_length=40)  # type: ignore[valid-type]


class CardOut(BaseModel):
    bank_name: str
    card_masked: str
    card_last4: str
    application: ApplicationOut


class SubmitOut(BaseModel):
    status: str
    account_number: str | None
    review_reasons: list[str]
    application: ApplicationOut
    lang: str = Field(DEFAULT_LANGUAGE, description="the language of review_reasons")


class HandoffIn(BaseModel):
    sender_id: SenderId  # type: ignore[valid-type]
    application_id: str | None = None
    reason: constr(strip_whitespace=True, min_length=1, max_length=200)  # type: ignore[valid-type]
    channel: Channel = "app"  # type: ignore[valid-type]


class HandoffOut(BaseModel):
    ticket_id: str
    eta_minutes: int


class AppointmentIn(BaseModel):
    sender_id: SenderId  # type: ignore[valid-type]
    application_id: str | None = None
    channel: Channel = "app"  # type: ignore[valid-type]
    lang: str = Field(
        DEFAULT_LANGUAGE, description="the customer's language (zh, yue, bo, ug): the agent's language"
    )
    preferred_time: datetime | None = Field(
        None, description="earliest time that suits the customer (with a UTC offset); null: the earliest slot"
    )


class AppointmentOut(BaseModel):
    appointment_id: str
    slot_time: datetime = Field(..., description="start of the booked slot, in the service's timezone")
    slot_minutes: int
    status: str = Field(..., description="booked")
    sender_id: str
    application_id: str | None
    channel: str
    lang: str
    sandbox: bool = Field(..., description="true: sandbox calendar, no agent is notified and no call placed")
    existing: bool = Field(False, description="true when the sender already had this upcoming appointment")


class HealthOut(BaseModel):
    status: str
    sandbox: bool
    database: str  # ok | unreachable | migrations pending


class SandboxPhoneIn(BaseModel):
    phone: constr(max_length=32)  # type: ignore[valid-type]


class SandboxRewindIn(SandboxPhoneIn):
    seconds: conint(ge=1, le=86400)  # type: ignore[valid-type]


class SandboxRewindOut(BaseModel):
    phone_masked: str
    rewound: int  # codes moved back in time


class SandboxSmsOut(BaseModel):
    phone: str
    code: str
    sent_at: datetime
    expires_at: datetime
    text: str | None = Field(None, description="the message as sent, in the conversation's language")
    lang: str | None = Field(None, description="the language of text")


# The admin API (routes/admin.py): masked personal data only.
ReviewNote = constr(strip_whitespace=True, min_length=1, max_length=1000)


class ReviewQueueItem(BaseModel):
    id: str
    status: str
    channel: str
    name_masked: str | None
    id_masked: str | None
    age: int | None
    risk_level: str | None
    reason_codes: list[str]
    created_at: datetime
    updated_at: datetime


class ReviewQueueOut(BaseModel):
    items: list[ReviewQueueItem]
    total: int = Field(..., description="applications with this status, over all pages")
    limit: int
    offset: int


class AuditEntryOut(BaseModel):
    id: int
    at: str
    type: str
    details: dict


class ReviewDetailOut(ReviewQueueItem):
    phone_masked: str | None
    bank_name: str | None
    card_masked: str | None
    account_masked: str | None
    risk_answers: list[int] | None = Field(..., description="the answers behind risk_level, 1-4 each")
    reasons: list[ReviewReason]
    refusal_reason: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    audit: list[AuditEntryOut] = Field(..., description="the audit trail's entries for this application")


class ApproveIn(BaseModel):
    note: ReviewNote | None = None  # type: ignore[valid-type]


class RejectIn(BaseModel):
    note: ReviewNote = Field(..., description="why, for the record (required)")  # type: ignore[valid-type]
