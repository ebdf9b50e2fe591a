"""Field encryption at rest (ID, phone, card numbers) plus keyed digests for look-ups.

Encrypted values cannot be searched, so each encrypted field has an HMAC "blind index" beside it:
equal inputs give equal digests without the digest revealing the number.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from backend.config import ConfigError, Settings, write_new_secret

log = logging.getLogger(__name__)


def _derive(master: bytes, purpose: bytes) -> bytes:
    # Separate keys for encryption and digests: leaking one use must not weaken the other.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _decode_key(text: str, source: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{source} is not urlsafe base64") from exc
    if len(raw) != 32:
        raise ConfigError(f"{source} must decode to 32 bytes, got {len(raw)}")
    return raw


def master_key(settings: Settings) -> bytes:
    """BACKEND_DATA_KEY; in sandbox mode without it, a key file generated once beside the default database."""
    if settings.data_key:
        return _decode_key(settings.data_key, "BACKEND_DATA_KEY")
    if not settings.sandbox_mode:
        raise ConfigError("BACKEND_DATA_KEY must be set when SANDBOX_MODE=false (personal data is encrypted)")
    path = settings.resolve_path(settings.key_file)
    if not path.exists() and write_new_secret(path, generate_key() + "\n"):
        log.warning("generated a sandbox data key at %s", path)
    return _decode_key(path.read_text(), str(path))


class Vault:
    """Encryption and look-up digests under keys derived from the master key for one purpose (the backend's
    fields, the conversation store's slots), so no two uses share a key."""

    # The backend's fields keep the digest key name they were first derived with: stored digests stay valid.
    _DIGEST_INFO = {"backend-field": b"backend-lookup-digest"}

    def __init__(self, master_key: bytes, purpose: str = "backend-field") -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(master_key, f"{purpose}-encryption".encode())))
        digest_info = self._DIGEST_INFO.get(purpose, f"{purpose}-lookup-digest".encode())
        self._mac_key = _derive(master_key, digest_info)

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")

    def encrypt_bytes(self, value: bytes) -> bytes:
        return self._fernet.encrypt(value)

    def decrypt_bytes(self, token: bytes) -> bytes:
        return self._fernet.decrypt(token)

    def digest(self, kind: str, value: str) -> str:
        """Deterministic keyed digest; `kind` keeps equal strings of different kinds apart."""
        return hmac.new(self._mac_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    @classmethod
    def from_settings(cls, settings: Settings, purpose: str = "backend-field") -> Vault:
        return cls(master_key(settings), purpose)


_field_vault: Vault | None = None


def install_field_vault(vault: Vault) -> None:
    """The vault EncryptedText columns use; the backend installs its own when it builds its services."""
    global _field_vault
    _field_vault = vault


def field_vault() -> Vault:
    if _field_vault is None:
        raise RuntimeError("no field vault installed: build the backend services first (services/context.py)")
    return _field_vault


class EncryptedText(TypeDecorator):
    """A column kept encrypted at rest (names): nothing looks a row up by it, so it needs no digest, and
    the code reads and writes it as plain text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else field_vault().encrypt(value)

    def process_result_value(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else field_vault().decrypt(value)
