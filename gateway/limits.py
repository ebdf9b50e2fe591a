"""Abuse limits on the gateway: request body size, and token-bucket rate limits per sender and per client IP.

Wired in gateway/app.py by `install(app, limits)` (the middleware and the 429 handler) and one `sender` check
per message route. What is limited, and why there:

- every HTTP request: its body size (413 JSON), from Content-Length and, for a chunked body, as it is read;
- POST /api/chat, /api/voice/turn, /api/nlu/parse: per client IP, per request (the middleware), and per
  sender (the route, once the body names the sender). A limited message is answered 429 before it reaches
  the dialogue engine, so the conversation is exactly as it was: the client retries after retry_after_s;
- /ws/voice and /ws/hotline: new connections per client IP. Within a connection the utterances are paced
  by the audio itself (each one needs speech then silence, and its length is capped), and cutting a live
  call or stream mid-sentence would lose what the caller said; so the connection, not the utterance, counts.

With REDIS_URL set, the buckets live in Redis and every gateway replica shares them (one atomic script per
take, Redis's own clock); without it, or while Redis cannot be reached, each process keeps its own buckets in
memory, so a Redis restart never refuses users, it only makes the limits per process for a moment.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("gateway.limits")
Clock = Callable[[], float]
RATE_LIMITED_PATHS = ("/api/chat", "/api/voice/turn", "/api/nlu/parse")
CONNECTION_PATHS = ("/ws/voice", "/ws/hotline")
UPLOAD_PATH = "/api/voice/turn"
UPLOAD_OVERHEAD_BYTES = 64 * 1024  # multipart headers and the form fields around the audio
TRY_AGAIN_LATER = 1013  # WebSocket close code


class RateLimited(Exception):
    def __init__(self, what: str, retry_after_s: float) -> None:
        super().__init__(what)
        self.what, self.retry_after_s = what, retry_after_s


class TokenBucketLimiter:
    """`per_minute` tokens per key, refilled continuously; a burst of up to `per_minute` is allowed."""

    def __init__(self, per_minute: int, clock: Clock = time.monotonic, max_keys: int = 100_000) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str) -> float:
        """Spend one token: 0.0 when allowed, else the seconds until one is available (nothing spent)."""
        now = self.clock()
        tokens, at = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        if key not in self._buckets and len(self._buckets) >= self.max_keys:
            self._forget_full(now)
        self._buckets[key] = (tokens - 1.0, now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: dropping those bounds memory losing nothing.
        full = [
            k for k, (tokens, at) in self._buckets.items() if tokens + (now - at) * self.rate >= self.capacity
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:  # a flood of distinct keys: start over rather than grow
            self._buckets.clear()

    async def wait_for(self, key: str) -> float:
        return self.take(key)


class Limiter(Protocol):
    async def wait_for(self, key: str) -> float:
        """Spend one token for `key`: 0.0 when allowed, else the seconds until one is available."""
        ...


# One token bucket per key, as TokenBucketLimiter keeps it, atomically in Redis with Redis's clock (replicas'
# clocks may differ); an idle bucket expires once it would have refilled.
_TAKE_SCRIPT = """
local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local saved, at = tonumber(state[1]) or capacity, tonumber(state[2]) or now
local tokens = math.min(capacity, saved + (now - at) * rate)
local wait = 0
if tokens < 1 then wait = (1 - tokens) / rate else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return tostring(wait)
"""


class RedisTokenBucket:
    """A bucket every gateway replica shares; the in-process one stands in while Redis cannot be reached."""

    def __init__(self, client: Any, name: str, per_minute: int, fallback: TokenBucketLimiter) -> None:
        self.client, self.name, self.fallback = client, name, fallback
        self.args = (per_minute, per_minute / 60.0)
        self._script = client.register_script(_TAKE_SCRIPT)
        self._down = False

    async def wait_for(self, key: str) -> float:
        from redis.exceptions import RedisError

        try:
            wait = float(await self._script(keys=[f"ratelimit:{self.name}:{key}"], args=self.args))
        except (RedisError, OSError) as exc:
            if not self._down:
                log.warning("rate limits: Redis unreachable (%s); limiting per process meanwhile", exc)
            self._down = True
            return self.fallback.take(key)
        self._down = False
        return wait


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


@dataclass
class Limits:
    sender_per_min: int = 30
    ip_per_min: int = 120
    connections_per_min: int = 20  # new /ws/voice and /ws/hotline connections per IP
    max_body_bytes: int = 64 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024  # the audio file of /api/voice/turn (VOICE_MAX_UPLOAD_BYTES)
    clock: Clock = time.monotonic
    redis: Any = None  # a redis.asyncio client: buckets shared by every gateway replica
    sender: Limiter = field(init=False)
    ip: Limiter = field(init=False)
    connections: Limiter = field(init=False)

    def __post_init__(self) -> None:
        self.sender = self._bucket("sender", self.sender_per_min)
        self.ip = self._bucket("ip", self.ip_per_min)
        self.connections = self._bucket("connections", self.connections_per_min)

    def _bucket(self, name: str, per_minute: int) -> Limiter:
        local = TokenBucketLimiter(per_minute, self.clock)
        return local if self.redis is None else RedisTokenBucket(self.redis, name, per_minute, local)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, redis: Any = None) -> Limits:
        env = os.environ if env is None else env
        return cls(
            sender_per_min=_int_env(env, "RATE_LIMIT_SENDER_PER_MIN", cls.sender_per_min),
            ip_per_min=_int_env(env, "RATE_LIMIT_IP_PER_MIN", cls.ip_per_min),
            connections_per_min=_int_env(env, "RATE_LIMIT_CONNECTIONS_PER_MIN", cls.connections_per_min),
            max_body_bytes=_int_env(env, "MAX_BODY_BYTES", cls.max_body_bytes),
            max_upload_bytes=_int_env(env, "VOICE_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            redis=redis,
        )

    def body_limit(self, path: str) -> int:
        # The voice route answers an oversized audio file itself (audio_too_large); this is the backstop.
        return self.max_upload_bytes + UPLOAD_OVERHEAD_BYTES if path == UPLOAD_PATH else self.max_body_bytes

    async def check_sender(self, sender_id: str) -> None:
        wait = await self.sender.wait_for(sender_id)
        if wait > 0:
            raise RateLimited("messages from this sender", wait)


def limited_body(exc: RateLimited) -> dict[str, Any]:
    retry = max(1, math.ceil(exc.retry_after_s))  # whole seconds, as Retry-After has them
    return {
        "error": "rate_limited",
        "message": f"too many {exc.what}; try again later",
        "retry_after_s": retry,
    }


def limited_response(exc: RateLimited) -> JSONResponse:
    body = limited_body(exc)
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(body["retry_after_s"])})


class _BodyTooLarge(Exception):
    pass


class AbuseGuard:
    """ASGI middleware: body size on every HTTP request, per-IP rate on messages and new connections."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] in CONNECTION_PATHS:
            wait = await self.limits.connections.wait_for(_client_ip(scope))
            if wait > 0:
                await _refuse_websocket(receive, send, RateLimited("new connections from this address", wait))
                return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in RATE_LIMITED_PATHS and scope["method"] == "POST":
            wait = await self.limits.ip.wait_for(_client_ip(scope))
            if wait > 0:
                await limited_response(RateLimited("requests from this address", wait))(scope, receive, send)
                return
        await self._sized(scope, receive, send, self.limits.body_limit(scope["path"]))

    async def _sized(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(scope["path"], limit)(scope, receive, send)
            return
        received, started, answered = 0, False, False

        async def counted() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not started:
                    # Answer here: the framework turns an error while reading into its own 400.
                    answered = True
                    await _too_large(scope["path"], limit)(scope, receive, send)
                    raise _BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the app's answer to the aborted read; the 413 went out already
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_BodyTooLarge):  # answered 413 above, if the app let it through
            await self.app(scope, counted, watched)


def _too_large(path: str, limit: int) -> JSONResponse:
    # On the voice route the body is the audio file: the same code as the route's own size check.
    error = "audio_too_large" if path == UPLOAD_PATH else "request_too_large"
    return JSONResponse(
        {"error": error, "message": f"the request body is limited to {limit} bytes"}, status_code=413
    )


def _client_ip(scope: Scope) -> str:
    # uvicorn puts the peer here (the X-Forwarded-For address only from proxies in --forwarded-allow-ips).
    client = scope.get("client")
    return client[0] if client else "unknown"


async def _refuse_websocket(receive: Receive, send: Send, exc: RateLimited) -> None:
    """Accept, say why in the channel's error frame, close with 'try again later'."""
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": json.dumps({"type": "error", **limited_body(exc)})})
    await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})


def install(app: FastAPI, limits: Limits) -> Limits:
    """Adds the middleware and the 429 answer for RateLimited raised by a route; returns the limits."""
    app.add_middleware(AbuseGuard, limits=limits)

    async def rate_limited(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RateLimited)
        return limited_response(exc)

    app.add_exception_handler(RateLimited, rate_limited)
    return limits
