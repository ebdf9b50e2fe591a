"""What the gateway's routes share, built once per app: its settings, the Rasa client, the backend client,
the Redis client the replicas share limits through, the limits, the voice services and the hotline's guard."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from gateway.engine import Engine
from gateway.limits import Limits
from gateway.recordings import BackendRecordings
from gateway.settings import GatewaySettings
from voice.channels.twilio_auth import HotlineGuard
from voice.channels.wiring import VoiceServices

log = logging.getLogger("gateway")


@dataclass
class Gateway:
    settings: GatewaySettings
    engine: Engine
    backend: httpx.AsyncClient
    redis: Any  # a redis.asyncio client, or None on a single machine
    limits: Limits
    voice: VoiceServices
    hotline_guard: HotlineGuard

    @classmethod
    def build(cls, settings: GatewaySettings, limits: Limits | None = None) -> Gateway:
        engine = Engine(settings)
        credential = {"Authorization": f"Bearer {settings.backend_token}"} if settings.backend_token else {}
        backend = httpx.AsyncClient(base_url=settings.backend_url, timeout=10, headers=credential)
        redis = shared_store(settings.redis_url)
        voice = VoiceServices(engine, recordings=BackendRecordings(backend))
        guard = HotlineGuard(sandbox=settings.sandbox_mode)
        if not guard.auth_token:
            log.warning("hotline: %s", guard.status)
        return cls(settings, engine, backend, redis, limits or Limits.from_env(redis=redis), voice, guard)

    async def close(self) -> None:
        await self.voice.close()
        await self.engine.close()
        await self.backend.aclose()
        if self.redis is not None:
            await self.redis.close()


def shared_store(url: str) -> Any:
    """The Redis client the gateway replicas share state through (rate limits), or None without REDIS_URL."""
    if not url:
        return None
    from redis import asyncio as aioredis

    return aioredis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
