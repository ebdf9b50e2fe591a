"""Is a hotline connection really from the telephony provider? Twilio's X-Twilio-Signature.

Twilio signs each request to our server, the Media Streams WebSocket handshake included: HMAC-SHA1 keyed by
the account's auth token over the URL it was configured with (plus sorted POST parameters; a handshake is a
GET, so the URL alone), base64-encoded. Behind a proxy or load balancer the URL the gateway sees is not the
public one, so HOTLINE_PUBLIC_URL names it. Without TWILIO_AUTH_TOKEN the hotline accepts any caller only in
sandbox mode, and says so; outside sandbox mode it refuses every call until the token is set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from starlette.datastructures import Headers

from service.environment import sandbox_mode

log = logging.getLogger("voice.hotline")
SIGNATURE_HEADER = "x-twilio-signature"
DEFAULT_PORTS = {"https": 443, "wss": 443, "http": 80, "ws": 80}


def compute_signature(auth_token: str, url: str, params: Mapping[str, str] | None = None) -> str:
    payload = url + "".join(key + value for key, value in sorted((params or {}).items()))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def url_variants(url: str) -> list[str]:
    """The URL as given, without its port, and with the scheme's default port: Twilio's own validators accept
    each, because the provider may sign either form."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    bare = urlunsplit(parts._replace(netloc=host))
    default = DEFAULT_PORTS.get(parts.scheme)
    with_port = urlunsplit(parts._replace(netloc=f"{host}:{parts.port or default}")) if default else url
    return list(dict.fromkeys([url, bare, with_port]))


def is_valid(auth_token: str, url: str, signature: str, params: Mapping[str, str] | None = None) -> bool:
    return any(
        hmac.compare_digest(compute_signature(auth_token, candidate, params), signature)
        for candidate in url_variants(url)
    )


@dataclass(frozen=True)
class HotlineGuard:
    auth_token: str = field(default_factory=lambda: os.environ.get("TWILIO_AUTH_TOKEN", ""))
    public_url: str = field(default_factory=lambda: os.environ.get("HOTLINE_PUBLIC_URL", ""))
    sandbox: bool = field(default_factory=lambda: sandbox_mode(os.environ))

    @property
    def status(self) -> str:
        if self.auth_token:
            return "signed calls only"
        if self.sandbox:
            return "unsigned calls accepted (sandbox mode, TWILIO_AUTH_TOKEN not set)"
        return "refusing calls: TWILIO_AUTH_TOKEN not set"

    def refusal(self, url: str, headers: Headers) -> str | None:
        """Why this handshake must be refused, or None to accept it."""
        if not self.auth_token:
            return None if self.sandbox else "TWILIO_AUTH_TOKEN is not set outside sandbox mode"
        signature = headers.get(SIGNATURE_HEADER, "")
        if not signature:
            return "no X-Twilio-Signature header"
        if not is_valid(self.auth_token, self.signed_url(url, headers), signature):
            return "X-Twilio-Signature does not match"
        return None

    def signed_url(self, url: str, headers: Headers) -> str:
        """The URL Twilio signed: the configured public one (with this request's query), else as a proxy
        reports it (X-Forwarded-Proto/Host), else as the gateway received it."""
        parts = urlsplit(url)
        if self.public_url:
            public = urlsplit(self.public_url)
            return urlunsplit(public._replace(query=parts.query or public.query))
        scheme = headers.get("x-forwarded-proto", "").split(",")[0].strip()
        host = headers.get("x-forwarded-host", "").split(",")[0].strip()
        if scheme:
            scheme = {"https": "wss", "http": "ws"}.get(scheme, scheme)
        return urlunsplit(parts._replace(scheme=scheme or parts.scheme, netloc=host or parts.netloc))
