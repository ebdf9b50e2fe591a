"""Client for the Rasa server: send a message, read the conversation state, parse text."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from typing import Any

import httpx
import jwt

from gateway.settings import GatewaySettings
from voice.dialogue import Turn


def wire_message_id(key: bytes, sender_id: str, message_id: str | None) -> str:
    """The id a message carries into the dialogue, where it is stored with the conversation: a keyed digest of
    the client's id (which may be anything the pattern allows, a phone number too), the same on every
    gateway replica, so a retry through another one is still recognised; a new random one when the client
    sent none."""
    if not message_id:
        return uuid.uuid4().hex
    return hmac.new(key, f"{sender_id}\n{message_id}".encode(), hashlib.sha256).hexdigest()[:32]


class RasaCredential:
    """What admits the gateway to Rasa's HTTP API: a JWT signed with RASA_JWT_SECRET (HS256), role admin,
    valid for LIFETIME_S and renewed well before it ends, sent in the Authorization header. Rasa's other
    option, a fixed `?token=` in the URL, lands in every log line that names a URL (httpx, nginx, proxies)."""

    LIFETIME_S = 300
    RENEW_BEFORE_S = 60

    def __init__(self, secret: str, clock=time.time) -> None:
        self._secret, self._clock = secret, clock
        self._token, self._expires = "", 0.0

    def headers(self) -> dict[str, str]:
        if not self._secret:
            return {}
        now = self._clock()
        if now > self._expires - self.RENEW_BEFORE_S:
            self._expires = now + self.LIFETIME_S
            user = {"username": "gateway", "role": "admin"}
            claims = {"user": user, "iat": int(now), "exp": int(self._expires)}
            self._token = jwt.encode(claims, self._secret, algorithm="HS256")
        return {"Authorization": f"Bearer {self._token}"}


class EngineUnavailable(Exception):
    """Rasa (or a service behind it) did not answer; the caller answers 503."""


class Engine:
    def __init__(self, settings: GatewaySettings) -> None:
        self._http = httpx.AsyncClient(base_url=settings.rasa_url, timeout=settings.engine_timeout_s)
        self._credential = RasaCredential(settings.rasa_jwt_secret)
        self._channel_auth = {"Authorization": f"Bearer {settings.channel_token}"}
        self._id_key = settings.channel_token.encode()

    async def close(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        # Rasa's API takes the gateway's JWT; its message channel has a credential of its own (passed in).
        headers = kwargs.pop("headers", None) or self._credential.headers()
        try:
            response = await self._http.request(method, path, headers=headers, **kwargs)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise EngineUnavailable(str(exc)) from exc
        return response.json()

    async def turn(
        self, sender_id: str, text: str, metadata: dict[str, Any], message_id: str | None = None
    ) -> Turn:
        """One message through the gateway's channel (bot/channel.py): replies and state in one answer.

        Every message leaves with an id (derived from the client's, or a new one), so a retry anywhere
        behind this point (nginx passing it to the other Rasa replica) can only answer it again, never run it
        twice."""
        body = {
            "sender": sender_id,
            "message": text,
            "metadata": metadata,
            "message_id": wire_message_id(self._id_key, sender_id, message_id),
        }
        answer = await self._request(
            "POST", "/webhooks/gateway/webhook", json=body, headers=self._channel_auth
        )
        tracker = {key: answer.get(key) for key in ("sender_id", "slots", "latest_message")}
        return Turn(answer.get("messages") or [], tracker, bool(answer.get("repeated")))

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        return await self._request(
            "GET", f"/conversations/{sender_id}/tracker", params={"include_events": "NONE"}
        )

    async def parse(self, text: str) -> dict[str, Any]:
        return await self._request("POST", "/model/parse", json={"text": text})

    async def ready(self) -> bool:
        try:
            status = await self._request("GET", "/status")
        except EngineUnavailable:
            return False
        return bool(status.get("model_file"))
