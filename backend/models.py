"""ORM tables. Times are naive UTC (portable across SQLite and PostgreSQL).

Personal numbers are never stored in clear: `*_enc` holds the encrypted value, `*_hmac` a keyed digest for
look-ups, `*_masked` what replies may show. Names, never looked up, are EncryptedText columns. The schema
itself is created by Alembic (migrations/versions), whose result tests compare with these classes.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

from backend.encrypted import EncryptedText

Base = declarative_base()

APP_ID = String(40)
DIGEST = String(64)


class Application(Base):
    __tablename__ = "applications"

    id = Column(APP_ID, primary_key=True)
    sender_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    status = Column(String(20), nullable=False, index=True)
    consent = Column(Boolean, nullable=True)  # null: not asked yet
    phone_enc = Column(Text)
    phone_hmac = Column(DIGEST, index=True)
    phone_masked = Column(String(16))
    phone_verified_at = Column(DateTime)
    name = Column(EncryptedText)  # encrypted at rest, read and written as text
    id_number_enc = Column(Text)
    id_number_hmac = Column(DIGEST, index=True)
    id_masked = Column(String(18))
    identity_verified_at = Column(DateTime)
    age = Column(Integer)
    liveness_session_id = Column(String(80))
    liveness_status = Column(String(16))  # pending | passed | failed
    risk_level = Column(String(2))
    agreement_signed_at = Column(DateTime)
    account_number = Column(String(12), unique=True)
    review_reasons = Column(JSON)  # [{"code", "text"}]
    refusal_reason = Column(String(32))
    cancel_reason = Column(String(32))
    merged_into = Column(APP_ID)
    paused_at = Column(DateTime)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    # A reviewer's decision on a manual review (migration 0004); the note is erased with the personal data.
    reviewed_by = Column(String(64))
    reviewed_at = Column(DateTime)
    review_note = Column(Text)

    bank_binding = relationship("BankBinding", uselist=False, back_populates="application")


class ConsentRecord(Base):
    __tablename__ = "consent_records"

    id = Column(Integer, primary_key=True)
    application_id = Column(APP_ID, ForeignKey("applications.id"), nullable=False, index=True)
    accepted = Column(Boolean, nullable=False)
    notice_version = Column(String(32), nullable=False)
    utterance = Column(Text)  # erased on deletion; the fact and version stay as proof
    channel = Column(String(32), nullable=False)
    audio_sha256 = Column(String(64))  # a voice answer: its stored recording (migration 0005)
    recorded_at = Column(DateTime, nullable=False)
    copied_from = Column(Integer)  # set when a merge carried the record over from another application


class ApplicationSender(Base):
    """Every conversation (sender id) that worked on an application: the one that created it and each one
    that resumed it, so deleting the application can erase all of their histories (migration 0005)."""

    __tablename__ = "application_senders"
    __table_args__ = (UniqueConstraint("application_id", "sender_id", name="uq_application_senders"),)

    id = Column(Integer, primary_key=True)
    application_id = Column(APP_ID, ForeignKey("applications.id"), nullable=False, index=True)
    sender_id = Column(String(128), nullable=False)
    linked_at = Column(DateTime, nullable=False)


class SmsChallenge(Base):
    __tablename__ = "sms_challenges"

    id = Column(Integer, primary_key=True)
    application_id = Column(APP_ID, ForeignKey("applications.id"), nullable=False, index=True)
    phone_hmac = Column(DIGEST, nullable=False, index=True)
    salt = Column(String(32), nullable=False)
    code_hash = Column(DIGEST, nullable=False)  # keyed digest, the code itself is never stored
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)
    tries = Column(Integer, nullable=False, default=0)
    verified_at = Column(DateTime)
    superseded = Column(Boolean, nullable=False, default=False)
    # Set on a challenge that reuses a code sent moments ago for another application (migration 0007): no
    # SMS went out for it, and the wrong tries count on the origin, so reusing never adds guesses.
    origin_id = Column(Integer)


class SandboxOutbox(Base):
    """What the sandbox SMS gateway 'sent'; readable only in sandbox mode."""

    __tablename__ = "sandbox_outbox"

    id = Column(Integer, primary_key=True)
    phone_hmac = Column(DIGEST, nullable=False, index=True)
    phone_masked = Column(String(16), nullable=False)
    code = Column(String(6), nullable=False)
    text = Column(Text)  # the whole message, in the conversation's language (migration 0002)
    lang = Column(String(8))
    sent_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)


class IdentityAttempt(Base):
    __tablename__ = "identity_attempts"

    id = Column(Integer, primary_key=True)
    application_id = Column(APP_ID, ForeignKey("applications.id"), nullable=False, index=True)
    id_number_hmac = Column(DIGEST, index=True)
    kind = Column(String(16), nullable=False)  # id_check | liveness
    outcome = Column(String(16), nullable=False)  # match | mismatch | existing | passed | failed
    created_at = Column(DateTime, nullable=False)


class RiskAssessment(Base):
    __tablename__ = "risk_assessments"

    id = Column(Integer, primary_key=True)
    application_id = Column(APP_ID, ForeignKey("applications.id"), nullable=False, index=True)
    questionnaire_version = Column(String(32), nullable=False)
    answers = Column(JSON, nullable=False)
    score = Column(Integer, nullable=False)
    level = Column(String(2), nullable=False)
    created_at = Column(DateTime, nullable=False)


class AgreementSignature(Base):
    __tablename__ = "agreement_signatures"

    id = Column(Integer, primary_key=True)
    application_id = Column(APP_ID, ForeignKey("applications.id"), nullable=False, index=True)
    bundle_version = Column(String(32), nullable=False)
    documents = Column(JSON, nullable=False)  # {document id: version} exactly as shown
    utterance = Column(Text)
    channel = Column(String(32), nullable=False)
    audio_sha256 = Column(String(64))
    signed_at = Column(DateTime, nullable=False)


class BankBinding(Base):
    __tablename__ = "bank_bindings"

    id = Column(Integer, primary_key=True)
    application_id = Column(APP_ID, ForeignKey("applications.id"), nullable=False, unique=True)
    card_enc = Column(Text, nullable=False)
    card_hmac = Column(DIGEST, nullable=False, index=True)
    card_masked = Column(String(24), nullable=False)
    card_last4 = Column(String(4), nullable=False)
    bank_code = Column(String(16), nullable=False)
    bank_name = Column(String(64), nullable=False)
    provider_ref = Column(String(80))
    bound_at = Column(DateTime, nullable=False)

    application = relationship("Application", back_populates="bank_binding")


class Customer(Base):
    """An opened account. Kept for the retention period securities law requires."""

    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    id_number_hmac = Column(DIGEST, nullable=False, unique=True)
    id_number_enc = Column(Text, nullable=False)
    name = Column(EncryptedText, nullable=False)
    account_number = Column(String(12), nullable=False, unique=True)
    application_id = Column(APP_ID, ForeignKey("applications.id"), nullable=False)
    risk_level = Column(String(2), nullable=False)
    opened_at = Column(DateTime, nullable=False)


class HandoffTicket(Base):
    __tablename__ = "handoff_tickets"

    id = Column(String(40), primary_key=True)
    sender_id = Column(String(128), nullable=False)
    application_id = Column(APP_ID, ForeignKey("applications.id"))
    reason = Column(String(200), nullable=False)
    channel = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False)  # open | closed
    eta_minutes = Column(Integer, nullable=False)
    created_at = Column(DateTime, nullable=False)


class VideoAppointment(Base):
    """A video-witness appointment with a member of staff (migration 0003)."""

    __tablename__ = "video_appointments"

    id = Column(String(40), primary_key=True)
    sender_id = Column(String(128), nullable=False, index=True)
    application_id = Column(APP_ID, ForeignKey("applications.id"))
    channel = Column(String(32), nullable=False)
    lang = Column(String(8), nullable=False)
    slot_start = Column(DateTime, nullable=False, index=True)
    status = Column(String(16), nullable=False)  # booked | cancelled
    sandbox = Column(Boolean, nullable=False)
    created_at = Column(DateTime, nullable=False)


class IdempotentRequest(Base):
    """The answer to a state-changing request made with an Idempotency-Key (migration 0008): the same key
    again gets this answer back instead of a second run (backend/idempotency.py)."""

    __tablename__ = "idempotent_requests"

    key = Column(String(200), primary_key=True)
    method = Column(String(8), nullable=False)
    path = Column(String(300), nullable=False)
    status = Column(Integer, nullable=False)
    body = Column(Text, nullable=False)  # the JSON answer, encrypted: it may hold the customer's name
    application_id = Column(APP_ID, index=True)  # erased with the application's data
    created_at = Column(DateTime, nullable=False, index=True)


class AuditEvent(Base):
    """Append-only; hash = sha256(prev_hash + canonical JSON of the entry), see audit.py."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("prev_hash", name="uq_audit_events_prev_hash"),)

    id = Column(Integer, primary_key=True, autoincrement=False)  # sequence taken from audit_chain
    at = Column(String(40), nullable=False)  # ISO text: hashed exactly as stored
    type = Column(String(48), nullable=False)
    application_id = Column(APP_ID, index=True)  # no foreign key: the trail outlives what it describes
    details = Column(Text, nullable=False)  # canonical JSON, masked values only
    prev_hash = Column(DIGEST, nullable=False)
    hash = Column(DIGEST, nullable=False, unique=True)


class AuditChain(Base):
    """One row: the head of the chain. Locking it serialises appends across processes."""

    __tablename__ = "audit_chain"

    id = Column(Integer, primary_key=True, autoincrement=False)
    last_id = Column(Integer, nullable=False)
    last_hash = Column(DIGEST, nullable=False)
