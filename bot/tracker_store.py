"""Rasa's SQL tracker store keeping no personal data in the clear (privacy.events); endpoints.yml names it.

Only writing and reading change: each new event is redacted (numbers, names) or, for the slots that must
carry a value to the next turn, sealed with a key derived from the master key (BACKEND_DATA_KEY, or the
sandbox key file) before it is serialised; sealed values are opened again when a tracker is read.
Sessions and the schema are Rasa's, so an existing tracker database keeps working.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.erasure import conversations_to_erase, marker_events
from bot.settings import BotSettings
from privacy.events import redact_events, unseal_events
from privacy.vault import Vault, load_master_key

logger = logging.getLogger(__name__)

# Slots that hold what the user gave until it is confirmed (validated values are masked by the actions).
DEFAULT_SEALED_SLOTS = ("name", "id_number", "phone_number", "sms_code", "bank_card")
NAME_SLOTS = ("name",)
# What the event broker hears when conversations are erased (a user deleted their data).
ERASED_EVENT = "conversations_erased"


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, sealed_slots: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sealed_slots = frozenset(sealed_slots or DEFAULT_SEALED_SLOTS)
        settings = BotSettings()
        key = load_master_key(
            settings.backend_data_key, sandbox=settings.sandbox_mode, key_file=settings.key_file()
        )
        self.vault = Vault(key, purpose="tracker-slot")

    async def save(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
            serialised = [event.as_dict() for event in new_events]  # once: every turn passes here
            erase = conversations_to_erase(serialised)
            if erase:
                stored = self._erase(session, tracker, erase)
            else:
                stored = redact_events(
                    serialised,
                    self.sealed_slots,
                    self.vault.encrypt,
                    known_names=[tracker.get_slot(slot) for slot in NAME_SLOTS if slot in self.sealed_slots],
                )
                for data in stored:
                    session.add(self._row(tracker.sender_id, data["event"], data))
                session.commit()
        self._publish(tracker.sender_id, stored, erased=erase)

    def _publish(self, sender_id: str, stored: list[dict[str, Any]], erased: list[str]) -> None:
        """The event broker gets each new event exactly as this store keeps it (redacted, slots sealed),
        never the raw event Rasa's own streaming would send; after an erasure, first a notice naming the
        erased conversations, so a consumer deletes what it kept of them."""
        if self.event_broker is None:
            return
        if erased:
            self.event_broker.publish({"sender_id": sender_id, "event": ERASED_EVENT, "senders": erased})
        for data in stored:
            self.event_broker.publish({"sender_id": sender_id, **data})

    def _erase(self, session: Any, tracker: DialogueStateTracker, senders: list[str]) -> list[dict[str, Any]]:
        """Deleting a user's data: every stored event of the linked conversations goes, this turn's too;
        the current conversation keeps only the non-personal marker (bot/erasure.py), which it answers."""
        doomed = sorted({*senders, tracker.sender_id})
        if self.engine.dialect.name == "sqlite":  # zero the freed pages, or the file still holds the rows
            session.execute(sa.text("PRAGMA secure_delete=ON"))
        session.query(self.SQLEvent).filter(self.SQLEvent.sender_id.in_(doomed)).delete(
            synchronize_session=False
        )
        marker = marker_events(tracker.current_slot_values())
        for data in marker:
            session.add(self._row(tracker.sender_id, data["event"], data))
        session.commit()
        logger.info("erased the stored history of %d conversation(s)", len(doomed))
        return marker

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            ).all()
            events = unseal_events(
                [json.loads(row.data) for row in rows], self.sealed_slots, self.vault.decrypt
            )
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    def _row(self, sender_id: str, type_name: str, data: dict[str, Any]) -> Any:
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=type_name,
            timestamp=data.get("timestamp"),
            intent_name=(data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )
