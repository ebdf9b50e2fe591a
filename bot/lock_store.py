"""Rasa's Redis lock store, riding out a Redis restart: a lock command that meets no Redis is tried again for
a few seconds instead of failing the user's turn with a 500 (which the client would have to send again).
Rasa calls the lock store synchronously, so this replica waits with it; only while Redis is down."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
T = TypeVar("T")
PATIENCE_S = 5.0  # a Redis restart takes about a second here


class ReconnectingRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig, **_: Any) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _patiently(self, command: Callable[[], T]) -> T:
        deadline, delay = time.monotonic() + PATIENCE_S, 0.05
        while True:
            try:
                return command()
            except (RedisConnectionError, RedisTimeoutError) as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning("lock store: Redis unreachable (%s); trying again", exc)
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return self._patiently(lambda: super(ReconnectingRedisLockStore, self).get_lock(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        self._patiently(lambda: super(ReconnectingRedisLockStore, self).save_lock(lock))

    def delete_lock(self, conversation_id: str) -> None:
        self._patiently(lambda: super(ReconnectingRedisLockStore, self).delete_lock(conversation_id))
