"""Columns kept encrypted at rest (names), with the backend's field vault (privacy.vault)."""

from __future__ import annotations

from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from privacy.vault import Vault

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
