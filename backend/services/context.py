"""Everything a service function needs, built once per app from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from backend.admin_auth import Reviewers, load_reviewers, load_service_tokens
from backend.compliance import Rules, load_rules
from backend.config import Settings
from backend.db import Database
from backend.encrypted import install_field_vault
from backend.providers import Providers, build_providers
from backend.providers.base import ProviderContext
from backend.providers.sandbox import SandboxData, sandbox_data
from backend.recordings import RecordingStore, recording_store
from privacy.vault import Vault
from service.auth import Credentials


@dataclass
class Services:
    settings: Settings
    db: Database
    vault: Vault
    providers: Providers
    rules: Rules
    sandbox: SandboxData | None  # only in sandbox mode
    recordings: RecordingStore
    reviewers: Reviewers  # who may call the admin API
    callers: Credentials  # the services that may call the customer API (BACKEND_TOKENS)


def build_services(settings: Settings, *, migrate: bool = True) -> Services:
    # Configuration errors stop the start before anything touches the database.
    vault = settings.vault()
    install_field_vault(vault)  # names are EncryptedText columns
    reviewers = load_reviewers(settings)
    callers = load_service_tokens(settings)
    db = Database(settings.database_url, settings.now)
    sandbox = sandbox_data() if settings.sandbox_mode else None
    try:
        providers = build_providers(ProviderContext(settings, db, vault))
        rules = load_rules(
            settings,
            sandbox.blocked_ids if sandbox else (),
            sandbox.blocked_phones if sandbox else (),
        )
        if migrate:
            db.migrate()
    except BaseException:
        db.dispose()
        raise
    recordings = recording_store(settings)
    return Services(settings, db, vault, providers, rules, sandbox, recordings, reviewers, callers)
