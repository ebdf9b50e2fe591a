"""Stand-ins for real providers, loaded by module path like a deployment would (`fake_providers:...`)."""

from __future__ import annotations

from datetime import datetime

from backend.providers.base import (
    BankBinder,
    BindResult,
    IdentityResult,
    IdentityVerifier,
    LivenessProvider,
    LivenessSession,
    SmsSender,
)

SENT: list[tuple[str, str]] = []


class RecordingSms(SmsSender):
    def send_code(self, phone: str, code: str, ttl_s: int, sent_at: datetime) -> None:
        SENT.append((phone, code))


class AlwaysMatch(IdentityVerifier):
    def verify(self, name: str, id_number: str) -> IdentityResult:
        return IdentityResult(True, "fake-ref")


class InstantLiveness(LivenessProvider):
    def start(self, application_id: str, name: str, id_number: str) -> LivenessSession:
        return LivenessSession("fake-session", "https://liveness.example/fake-session")

    def check(self, session_id: str) -> str:
        return "passed"


class AcceptingBank(BankBinder):
    def bind(self, name: str, id_number: str, card_number: str, phone: str) -> BindResult:
        return BindResult(True, reference="fake-bank")


class NotAProvider:
    pass
