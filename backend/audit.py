"""Tamper-evident audit trail: every entry stores the previous entry's hash and its own.

    hash = sha256(prev_hash + canonical JSON of {id, at, type, application_id, details})

Changing, removing or reordering any entry breaks the chain from that entry on; the head row (audit_chain)
also catches entries cut off the end. Details carry masked values only, so erasing a person's data never
needs to touch (and break) the trail.

Entries of consent and agreement answers given by voice reference a stored recording by sha256
(backend/recordings.py); the check also makes sure each one still decrypts to audio with that hash, unless
a later `application.deleted` entry lists it as erased.

    python -m backend.cli verify-audit   # prints OK, or the first broken entry; exit status 1 when broken
    make verify-audit                  # the same against the configured BACKEND_DATABASE_URL
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from backend.models import AuditChain, AuditEvent
from backend.recordings import RecordingStore, RecordingUnreadable, sha256_of

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Entry:
    type: str
    application_id: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Broken:
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.event_id}" if self.event_id is not None else "chain head"
        return f"BROKEN at {where}: {self.problem}"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    prev_hash: str, event_id: int, at: str, type_: str, application_id: str | None, details: Any
) -> str:
    body = canonical(
        {"id": event_id, "at": at, "type": type_, "application_id": application_id, "details": details}
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _head(session: Session) -> AuditChain:
    # FOR UPDATE makes concurrent appenders on PostgreSQL wait for each other (SQLite ignores it and is
    # serialised by Database's write lock); the unique prev_hash stops any fork that slipped through.
    head = session.query(AuditChain).filter_by(id=1).with_for_update().one_or_none()
    if head is None:
        head = AuditChain(id=1, last_id=0, last_hash=GENESIS_HASH)
        session.add(head)
    return head


def append(session: Session, entries: list[Entry], now: datetime) -> None:
    """Chain `entries` after the current head, inside the caller's transaction."""
    head = _head(session)
    at = now.astimezone(timezone.utc).isoformat()
    prev_hash, last_id = head.last_hash, head.last_id
    for entry in entries:
        last_id += 1
        details = json.loads(canonical(entry.details))  # what is stored is exactly what is hashed
        digest = entry_hash(prev_hash, last_id, at, entry.type, entry.application_id, details)
        session.add(
            AuditEvent(
                id=last_id,
                at=at,
                type=entry.type,
                application_id=entry.application_id,
                details=canonical(details),
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        prev_hash = digest
    head.last_id, head.last_hash = last_id, prev_hash


def verify_chain(session: Session) -> Broken | None:
    """The first broken entry, or None when the whole trail is intact."""
    prev_hash, expected_id = GENESIS_HASH, 1
    for event in session.query(AuditEvent).order_by(AuditEvent.id).yield_per(500):
        if event.id != expected_id:
            return Broken(event.id, f"expected entry {expected_id} (entries missing or renumbered)")
        if event.prev_hash != prev_hash:
            return Broken(event.id, "prev_hash does not match the previous entry")
        try:
            details = json.loads(event.details)
        except ValueError:
            return Broken(event.id, "details are not valid JSON")
        digest = entry_hash(prev_hash, event.id, event.at, event.type, event.application_id, details)
        if digest != event.hash:
            return Broken(event.id, "content does not match its hash")
        prev_hash, expected_id = event.hash, expected_id + 1
    head = session.query(AuditChain).filter_by(id=1).one_or_none()
    if head is not None and (head.last_id != expected_id - 1 or head.last_hash != prev_hash):
        return Broken(None, f"head says {head.last_id} entries, found {expected_id - 1}")
    return None


def verify_recordings(session: Session, store: RecordingStore) -> tuple[Broken | None, int]:
    """The first entry whose recording is missing, unreadable or altered (run after verify_chain, so the
    details are the ones that were chained), and how many recordings were checked."""
    referenced: dict[str, int] = {}
    erased: set[str] = set()
    for event in session.query(AuditEvent).order_by(AuditEvent.id).yield_per(500):
        details = json.loads(event.details)
        if not isinstance(details, dict):
            continue
        if isinstance(details.get("recording"), str):
            referenced.setdefault(details["recording"], event.id)
        if event.type == "application.deleted":
            erased.update(details.get("recordings") or [])
    checked = 0
    for sha256, event_id in sorted(referenced.items(), key=lambda item: item[1]):
        if sha256 in erased:
            continue
        short = sha256[:12]
        try:
            audio = store.get(sha256)
        except (RecordingUnreadable, ValueError):
            return Broken(event_id, f"recording {short}… does not decrypt (altered or foreign)"), checked
        if audio is None:
            return Broken(event_id, f"recording {short}… is missing"), checked
        if sha256_of(audio) != sha256:
            return Broken(event_id, f"recording {short}… does not hash to its sha256"), checked
        checked += 1
    return None, checked
