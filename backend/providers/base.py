"""One interface per outside service. A real implementation subclasses one of these and is selected with
`<KIND>_PROVIDER=module.path:ClassName`; override `create` when it needs settings (keys, endpoints)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from backend.config import Settings
    from backend.db import Database
    from privacy.vault import Vault

P = TypeVar("P", bound="Provider")


class ProviderError(RuntimeError):
    """The outside service failed or could not be reached; the step can be retried."""


class RecipientRejected(ProviderError):
    """The outside service refused this recipient for good (an SMS gateway reporting an empty or halted
    number): retrying the same number cannot help, the customer needs another one."""


@dataclass(frozen=True)
class ProviderContext:
    settings: Settings
    database: Database
    vault: Vault  # keyed digests, so provider-side records are looked up the way applications are


class Provider(ABC):  # noqa: B024 - a common base for the four interfaces, not an interface itself
    is_sandbox = False

    @classmethod
    def create(cls: type[P], context: ProviderContext) -> P:
        return cls()


class SmsSender(Provider):
    @abstractmethod
    def send_code(self, phone: str, code: str, ttl_s: int, sent_at: datetime) -> None:
        """Deliver a verification code to a mainland mobile number; raise ProviderError on failure."""

    def send_code_message(
        self, phone: str, code: str, ttl_s: int, sent_at: datetime, text: str, lang: str
    ) -> None:
        """What the service calls: the code and `text`, the whole message in the customer's language
        (`lang`: zh, yue, bo or ug; data/sms.yml). Override it to send the text, or to pick a carrier-approved
        template per language; the default sends the code through `send_code`, as before languages."""
        self.send_code(phone, code, ttl_s, sent_at)


@dataclass(frozen=True)
class IdentityResult:
    matched: bool
    reference: str | None = None  # the provider's transaction id, kept for disputes


class IdentityVerifier(Provider):
    @abstractmethod
    def verify(self, name: str, id_number: str) -> IdentityResult:
        """Do this name and ID number belong together (public-security real-name check)?"""


@dataclass(frozen=True)
class LivenessSession:
    session_id: str
    url: str  # where the customer's device does the face check


class LivenessProvider(Provider):
    @abstractmethod
    def start(self, application_id: str, name: str, id_number: str) -> LivenessSession:
        """Open a face/liveness session compared against the ID holder."""

    @abstractmethod
    def check(self, session_id: str) -> str:
        """'passed', 'failed' or 'pending'."""


@dataclass(frozen=True)
class BindResult:
    ok: bool
    reason: str | None = None  # holder_mismatch | card_rejected
    reference: str | None = None


class BankBinder(Provider):
    @abstractmethod
    def bind(self, name: str, id_number: str, card_number: str, phone: str) -> BindResult:
        """Third-party depository binding: the card must belong to the applicant."""
