"""Who may call the admin API: reviewers and their bearer tokens, from configuration.

ADMIN_TOKENS="alice:<token>,bob:<token>" or ADMIN_TOKENS_FILE (one `reviewer:token` a line, # comments).
Sandbox mode without either writes one generated token to var/admin_tokens and says so, like the data key;
real mode refuses to start. Tokens are compared as SHA-256 digests with hmac.compare_digest, against every
configured token, so neither the length nor the position of a match shows in the timing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from backend.config import ConfigError, Settings
from privacy.vault import write_new_secret

log = logging.getLogger(__name__)

REVIEWER = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_TOKEN_CHARS = 24
SANDBOX_REVIEWER = "sandbox-reviewer"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


@dataclass(frozen=True)
class Reviewers:
    digests: tuple[tuple[str, bytes], ...]  # (reviewer, sha256 of the token)

    def identify(self, presented: str) -> str | None:
        """The reviewer whose token this is, or None. Every entry is compared, with no early exit."""
        candidate = _digest(presented)
        found = None
        for reviewer, digest in self.digests:
            if hmac.compare_digest(candidate, digest):
                found = reviewer
        return found


def parse_tokens(text: str, source: str) -> Reviewers:
    pairs: list[tuple[str, str]] = []
    for raw in re.split(r"[,\n]", text):
        item = raw.split("#", 1)[0].strip()
        if not item:
            continue
        reviewer, sep, token = (part.strip() for part in item.partition(":"))
        if not sep or not REVIEWER.match(reviewer):
            raise ConfigError(f"{source}: each entry is reviewer:token (reviewer: 1-64 of A-Za-z0-9_.@-)")
        if len(token) < MIN_TOKEN_CHARS:
            raise ConfigError(f"{source}: {reviewer}'s token has under {MIN_TOKEN_CHARS} characters")
        pairs.append((reviewer, token))
    if not pairs:
        raise ConfigError(f"{source} names no reviewer")
    if len({token for _, token in pairs}) != len(pairs):
        raise ConfigError(f"{source}: two reviewers share a token (the audit trail must tell them apart)")
    return Reviewers(tuple((reviewer, _digest(token)) for reviewer, token in pairs))


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
