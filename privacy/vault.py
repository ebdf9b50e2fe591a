"""Field encryption (Fernet) and keyed look-up digests (HMAC), under keys derived from one master key.

Encrypted values cannot be searched, so each encrypted field has an HMAC "blind index" beside it: equal inputs
give equal digests without the digest revealing the number. Each use (the backend's fields, the conversation
store's slots, the voice recordings) derives its own keys from the master key, so no two uses share one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)


class InvalidKey(ValueError):
    """The master key is missing where it must be given, or is not 32 bytes of urlsafe base64."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def decode_key(text: str, source: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError) as exc:
        raise InvalidKey(f"{source} is not urlsafe base64") from exc
    if len(raw) != 32:
        raise InvalidKey(f"{source} must decode to 32 bytes, got {len(raw)}")
    return raw


def write_new_secret(path: Path, text: str) -> bool:
    """Create `path` (mode 0600) holding `text`, unless it exists; True when this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False  # another process created it first: use theirs
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return True


def load_master_key(
    key: str | None, *, sandbox: bool, key_file: Path, variable: str = "BACKEND_DATA_KEY"
) -> bytes:
    """The master key: `key` when given; in sandbox mode without it, a key file generated once (shared by the
    services of one machine); outside sandbox mode a missing key is refused (personal data is encrypted)."""
    if key:
        return decode_key(key, variable)
    if not sandbox:
        raise InvalidKey(f"{variable} must be set when SANDBOX_MODE=false (personal data is encrypted)")
    if not key_file.exists() and write_new_secret(key_file, generate_key() + "\n"):
        log.warning("generated a sandbox data key at %s", key_file)
    return decode_key(key_file.read_text(), str(key_file))


class Vault:
    """Encryption and look-up digests for one purpose ("backend-field", "tracker-slot", "recording")."""

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
