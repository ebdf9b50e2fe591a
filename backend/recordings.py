"""Stored voice recordings of the consent and agreement answers ("double recording").

The gateway stores the audio of voice turns taken at those steps; the backend's audit entries reference them
by sha256, `python -m backend.cli verify-audit` checks each one still decrypts to audio with that hash, and
deleting an application erases them. One interface; the local implementation keeps encrypted files in
RECORDINGS_DIR (a volume shared by the gateway and the backend).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from cryptography.fernet import InvalidToken

from backend.config import Settings
from privacy.vault import Vault

SHA256 = re.compile(r"^[0-9a-f]{64}$")
VAULT_PURPOSE = "recording"


class RecordingUnreadable(Exception):
    """A stored recording that does not decrypt: altered, or written under another key."""


class RecordingStore(Protocol):
    def put(self, audio: bytes, owner: str) -> str:
        """Keeps `audio` for the conversation `owner` (its sender id); returns the audio's sha256."""
        ...

    def has(self, sha256: str) -> bool: ...

    def get(self, sha256: str) -> bytes | None:
        """The decrypted audio, None when absent; RecordingUnreadable when it does not decrypt."""
        ...

    def owned(self, owners: Iterable[str]) -> set[str]:
        """The recordings kept for these conversations."""
        ...

    def erase(self, sha256s: Iterable[str], owners: Iterable[str]) -> list[str]:
        """Removes the named recordings and every recording kept for those owners; returns the removed."""
        ...


def sha256_of(audio: bytes) -> str:
    return hashlib.sha256(audio).hexdigest()


class LocalRecordingStore:
    """`<dir>/<sha256>.rec` (Fernet token of the audio) and `<dir>/owners/<keyed digest of sender>`, one
    sha256 per line, so erasing a conversation also finds recordings no audit entry references (an answer
    that was not a yes or no). File names carry no sender id."""

    def __init__(self, root: Path, vault: Vault) -> None:
        self.root = root
        self.vault = vault

    def _path(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / f"{sha256}.rec"

    def _owner_index(self, owner: str) -> Path:
        return self.root / "owners" / self.vault.digest("recording-owner", owner)

    def put(self, audio: bytes, owner: str) -> str:
        sha256 = sha256_of(audio)
        path = self._path(sha256)
        index = self._owner_index(owner)
        index.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            _write_atomically(path, self.vault.encrypt_bytes(audio))
        with index.open("a", encoding="ascii") as handle:
            handle.write(sha256 + "\n")
        return sha256

    def has(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def get(self, sha256: str) -> bytes | None:
        path = self._path(sha256)
        if not path.exists():
            return None
        try:
            return self.vault.decrypt_bytes(path.read_bytes())
        except InvalidToken as exc:
            raise RecordingUnreadable(sha256) from exc

    def owned(self, owners: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for owner in owners:
            index = self._owner_index(owner)
            if index.exists():
                found.update(line for line in index.read_text("ascii").split() if SHA256.match(line))
        return found

    def erase(self, sha256s: Iterable[str], owners: Iterable[str]) -> list[str]:
        owners = list(owners)
        targets = {s for s in sha256s if SHA256.match(s)} | self.owned(owners)
        indexes = [self._owner_index(owner) for owner in owners]
        removed = []
        for sha256 in sorted(targets):
            path = self._path(sha256)
            if path.exists():
                path.unlink()
                removed.append(sha256)
        for index in indexes:
            index.unlink(missing_ok=True)
        return removed


def _write_atomically(path: Path, data: bytes) -> None:
    # A crash mid-write must not leave a truncated recording that the audit check would flag.
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def recording_store(settings: Settings, vault: Vault | None = None) -> RecordingStore:
    vault = vault or settings.vault(VAULT_PURPOSE)
    return LocalRecordingStore(settings.resolve_path(settings.recordings_dir), vault)
