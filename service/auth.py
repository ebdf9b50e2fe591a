"""Credentials between the product's services, and of the people who use the staff's side: named tokens.

One mechanism for every caller a service knows by name: the actions and the gateway at the backend
(BACKEND_TOKENS="actions:<token>,gateway:<token>"), reviewers at the admin API (ADMIN_TOKENS). A presented
token is compared as a SHA-256 digest with hmac.compare_digest against every known one, so neither its
length nor the position of a match shows in the timing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_TOKEN_CHARS = 24


class CredentialError(ValueError):
    """A credentials setting that a service must not start with."""


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header, or ""."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@dataclass(frozen=True)
class Credentials:
    digests: tuple[tuple[str, bytes], ...]  # (name, sha256 of the token)

    def identify(self, presented: str) -> str | None:
        """Whose token this is, or None. Every entry is compared, with no early exit."""
        if not presented:
            return None
        candidate = _digest(presented)
        found = None
        for name, digest in self.digests:
            if hmac.compare_digest(candidate, digest):
                found = name
        return found

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.digests)


def parse_credentials(text: str, source: str) -> Credentials:
    """`name:token` pairs, comma- or line-separated (# comments), tokens of MIN_TOKEN_CHARS or more."""
    pairs: list[tuple[str, str]] = []
    for raw in re.split(r"[,\n]", text):
        item = raw.split("#", 1)[0].strip()
        if not item:
            continue
        name, sep, token = (part.strip() for part in item.partition(":"))
        if not sep or not NAME.match(name):
            raise CredentialError(f"{source}: each entry is name:token (name: 1-64 of A-Za-z0-9_.@-)")
        if len(token) < MIN_TOKEN_CHARS:
            raise CredentialError(f"{source}: {name}'s token has under {MIN_TOKEN_CHARS} characters")
        pairs.append((name, token))
    if not pairs:
        raise CredentialError(f"{source} names nobody")
    if len({token for _, token in pairs}) != len(pairs):
        raise CredentialError(f"{source}: two names share a token (the audit trail must tell them apart)")
    return Credentials(tuple((name, _digest(token)) for name, token in pairs))
