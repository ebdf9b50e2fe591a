"""Sandbox implementations: no outside service is called. Each one says so in the log when it starts.

The ID, liveness and bank sandboxes take their special cases from data/sandbox.yml; everything else passes.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from backend.content import load_yaml
from backend.db import to_db
from backend.models import SandboxOutbox
from backend.providers.base import (
    BankBinder,
    BindResult,
    IdentityResult,
    IdentityVerifier,
    LivenessProvider,
    LivenessSession,
    ProviderContext,
    RecipientRejected,
    SmsSender,
)
from privacy.numbers import mask_phone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SandboxData:
    identity_registry: dict[str, str]
    identity_mismatch: frozenset[str]
    liveness_fail: frozenset[str]
    existing_customers: frozenset[str]
    blocked_ids: frozenset[str]
    blocked_phones: frozenset[str]
    sms_undeliverable: frozenset[str]
    holder_mismatch_cards: frozenset[str]


@lru_cache(maxsize=1)
def sandbox_data() -> SandboxData:
    data = load_yaml("sandbox.yml")

    def ids(key: str) -> frozenset[str]:
        return frozenset(str(v).upper() for v in data.get(key) or [])

    return SandboxData(
        identity_registry={str(k).upper(): v for k, v in (data.get("identity_registry") or {}).items()},
        identity_mismatch=ids("identity_mismatch"),
        liveness_fail=ids("liveness_fail"),
        existing_customers=ids("existing_customers"),
        blocked_ids=ids("blocked_ids"),
        blocked_phones=ids("blocked_phones"),
        sms_undeliverable=ids("sms_undeliverable"),
        holder_mismatch_cards=ids("holder_mismatch_cards"),
    )


def _announce(kind: str, what: str) -> None:
    log.warning("SANDBOX provider %s active: %s (no real %s service is called)", kind, what, kind)


class SandboxSmsSender(SmsSender):
    """Puts codes in the sandbox outbox (GET /sandbox/sms/{phone}) instead of sending an SMS."""

    is_sandbox = True

    def __init__(self, context: ProviderContext) -> None:
        self._database = context.database
        self._vault = context.vault
        self._undeliverable = sandbox_data().sms_undeliverable
        _announce("sms", "codes go to the sandbox outbox")

    @classmethod
    def create(cls, context: ProviderContext) -> SandboxSmsSender:
        return cls(context)

    def send_code(self, phone: str, code: str, ttl_s: int, sent_at: datetime) -> None:
        self._store(phone, code, ttl_s, sent_at, None, None)

    def send_code_message(
        self, phone: str, code: str, ttl_s: int, sent_at: datetime, text: str, lang: str
    ) -> None:
        self._store(phone, code, ttl_s, sent_at, text, lang)

    def _store(
        self, phone: str, code: str, ttl_s: int, sent_at: datetime, text: str | None, lang: str | None
    ) -> None:
        if phone in self._undeliverable:
            raise RecipientRejected(f"{mask_phone(phone)} is an empty or halted number")
        with self._database.transaction() as tx:
            tx.session.add(
                SandboxOutbox(
                    phone_hmac=self._vault.digest("phone", phone),
                    phone_masked=mask_phone(phone),
                    code=code,
                    text=text,
                    lang=lang,
                    sent_at=to_db(sent_at),
                    expires_at=to_db(sent_at + timedelta(seconds=ttl_s)),
                )
            )
        log.info("sandbox SMS to %s (%s)", mask_phone(phone), lang or "code only")


class SandboxIdentityVerifier(IdentityVerifier):
    is_sandbox = True

    def __init__(self) -> None:
        self._data = sandbox_data()
        _announce("id_check", "names match unless sandbox.yml says otherwise")

    def verify(self, name: str, id_number: str) -> IdentityResult:
        reference = f"sbx_id_{secrets.token_hex(6)}"
        if id_number in self._data.identity_mismatch:
            return IdentityResult(False, reference)
        registered = self._data.identity_registry.get(id_number)
        return IdentityResult(registered is None or registered == name, reference)


class SandboxLivenessProvider(LivenessProvider):
    """The outcome travels in the session id, as a real provider's verdict lives on its own servers: any
    backend replica checking a session gets the same answer (nothing is kept in one process's memory)."""

    is_sandbox = True
    OUTCOMES = {"p": "passed", "f": "failed"}

    def __init__(self) -> None:
        self._data = sandbox_data()
        _announce("liveness", "passes unless sandbox.yml lists the ID as failing")

    def start(self, application_id: str, name: str, id_number: str) -> LivenessSession:
        outcome = "f" if id_number in self._data.liveness_fail else "p"
        session_id = f"sbx_live_{secrets.token_hex(8)}{outcome}"
        return LivenessSession(session_id, f"/sandbox/liveness/{session_id}")

    def check(self, session_id: str) -> str:
        # A session id the sandbox never made cannot pass: start a new one.
        if not session_id.startswith("sbx_live_") or len(session_id) != len("sbx_live_") + 17:
            return "failed"
        return self.OUTCOMES.get(session_id[-1], "failed")


class SandboxBankBinder(BankBinder):
    is_sandbox = True

    def __init__(self) -> None:
        self._data = sandbox_data()
        _announce("bank", "cards bind unless sandbox.yml lists them as someone else's")

    def bind(self, name: str, id_number: str, card_number: str, phone: str) -> BindResult:
        if card_number in self._data.holder_mismatch_cards:
            return BindResult(False, "holder_mismatch")
        return BindResult(True, reference=f"sbx_bank_{secrets.token_hex(6)}")
