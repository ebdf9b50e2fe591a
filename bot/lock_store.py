"""The conversation lock for a cluster: two Rasa replicas never run one conversation's turns at once.

Rasa's RedisLockStore keeps a queue of tickets in one Redis key and changes it by read-modify-write from
each replica (issue a ticket, remove expired ones, finish serving, delete when nobody waits). Those steps
are not atomic, so under load two replicas can both believe they are being served: the chaos run caught a
retried message applied twice that way. This store keeps Rasa's interface (`async with store.lock(id)`)
and takes the lock with one atomic Redis command instead:

- acquire: `SET key token NX PX lifetime`, polled with a short backoff while another replica holds it;
- hold: the key lives CONVERSATION_LOCK_HOLD_S (10 s) at a time; while the turn runs, a task on the same
  event loop extends it (only if the token is still ours), so a slow turn keeps its lock, while a replica
  that dies or hangs stops extending and its conversation is free again within those 10 s (Rasa's 60 s
  ticket lifetime would stall a user that long after every crash);
- release: delete the key only if it still holds our token (a Lua compare-and-delete).

Waiters are served in no fixed order, unlike Rasa's tickets; one conversation's messages arrive one at a
time from the gateway, so the order only matters for a retry, which the channel answers from the tracker.
Every Redis command rides out a Redis restart (about a second here) instead of failing the user's turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import AsyncGenerator, Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
T = TypeVar("T")
PATIENCE_S = 5.0  # how long a command waits for Redis to come back
FIRST_POLL_S, LAST_POLL_S = 0.01, 0.1
HOLD_S = float(os.environ.get("CONVERSATION_LOCK_HOLD_S", "10"))

# Extend or delete the key only while it still holds this holder's token.
EXTEND = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end "
    "return 0"
)
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class ClusterLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig, **_: Any) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)
        self._extend = self.red.register_script(EXTEND)
        self._release = self.red.register_script(RELEASE)

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

    def key(self, conversation_id: str) -> str:
        return f"{self.key_prefix}{conversation_id}"

    def try_acquire(self, conversation_id: str, token: str, lifetime_ms: int) -> bool:
        key = self.key(conversation_id)
        return bool(self._patiently(lambda: self.red.set(key, token, nx=True, px=lifetime_ms)))

    def extend(self, conversation_id: str, token: str, lifetime_ms: int) -> bool:
        key = self.key(conversation_id)
        return bool(self._patiently(lambda: self._extend(keys=[key], args=[token, lifetime_ms])))

    def release(self, conversation_id: str, token: str) -> bool:
        key = self.key(conversation_id)
        return bool(self._patiently(lambda: self._release(keys=[key], args=[token])))

    @contextlib.asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for the block; wait for it at most `lock_lifetime` seconds (Rasa's
        TICKET_LOCK_LIFETIME, 60 s), then raise Rasa's LockError."""
        token, lifetime_ms = uuid.uuid4().hex, int(min(lock_lifetime, HOLD_S) * 1000)
        deadline, poll = time.monotonic() + lock_lifetime, FIRST_POLL_S
        while not self.try_acquire(conversation_id, token, lifetime_ms):
            if time.monotonic() > deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(poll)
            poll = min(poll * 2, LAST_POLL_S)
        keeper = asyncio.create_task(self._keep(conversation_id, token, lifetime_ms))
        try:
            yield TicketLock(conversation_id)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            if not self.release(conversation_id, token):
                log.warning("the lock of %s had expired before its turn ended", conversation_id)

    async def _keep(self, conversation_id: str, token: str, lifetime_ms: int) -> None:
        while True:
            await asyncio.sleep(lifetime_ms / 3000)
            if not self.extend(conversation_id, token, lifetime_ms):
                log.warning("lost the lock of %s while its turn ran", conversation_id)
                return

    # Rasa's ticket interface is not used by this store; refusing it keeps a caller from mixing the two.
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        raise NotImplementedError("ClusterLockStore locks with lock(); it issues no tickets")
