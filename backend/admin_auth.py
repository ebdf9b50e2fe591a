"""Who may call the backend: reviewers at the admin API, the product's services at the customer API.

ADMIN_TOKENS="alice:<token>,bob:<token>" or ADMIN_TOKENS_FILE (one `reviewer:token` a line, # comments).
Sandbox mode without either writes one generated token to var/admin_tokens and says so, like the data key;
real mode refuses to start. The tokens are named credentials (service/auth.py), compared in constant time.
"""

from __future__ import annotations

import logging
import secrets

from backend.config import ConfigError, Settings
from privacy.vault import write_new_secret
from service.auth import CredentialError, Credentials, parse_credentials

log = logging.getLogger(__name__)

SANDBOX_REVIEWER = "sandbox-reviewer"
Reviewers = Credentials


def parse_tokens(text: str, source: str) -> Reviewers:
    try:
        return parse_credentials(text, source)
    except CredentialError as exc:
        raise ConfigError(str(exc)) from exc


def load_reviewers(settings: Settings) -> Reviewers:
    if settings.admin_tokens:
        return parse_tokens(settings.admin_tokens, "ADMIN_TOKENS")
    if settings.admin_tokens_file:
        return _from_file(settings, settings.admin_tokens_file, "ADMIN_TOKENS_FILE")
    if not settings.sandbox_mode:
        raise ConfigError("ADMIN_TOKENS or ADMIN_TOKENS_FILE must be set when SANDBOX_MODE=false (admin API)")
    path = settings.resolve_path(settings.admin_token_file)
    if not path.exists() and write_new_secret(path, f"{SANDBOX_REVIEWER}:{secrets.token_urlsafe(32)}\n"):
        log.warning("generated a sandbox admin token for %s at %s", SANDBOX_REVIEWER, path)
    return _from_file(settings, settings.admin_token_file, str(path))


def _from_file(settings: Settings, name: str, source: str) -> Reviewers:
    path = settings.resolve_path(name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{source} cannot be read: {path}") from exc
    return parse_tokens(text, source)


def load_service_tokens(settings: Settings) -> Credentials:
    """BACKEND_TOKENS, required: the backend trusts no caller for being on its network."""
    if not settings.service_tokens:
        raise ConfigError(
            "BACKEND_TOKENS must be set (actions:<token>,gateway:<token>): only the product's services may "
            "call the backend (scripts/serve.sh generates them for a single machine)"
        )
    return parse_tokens(settings.service_tokens, "BACKEND_TOKENS")
