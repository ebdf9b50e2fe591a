"""The conversation lock of a cluster (bot/lock_store.py) against a real Redis: atomic, kept while a turn
runs, freed when its holder dies, and patient through a Redis restart."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time

import pytest
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import ClusterLockStore


def store_at(url: str) -> ClusterLockStore:
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    return ClusterLockStore(EndpointConfig(url="127.0.0.1", port=port, db=0, key_prefix="t"))


def test_four_replicas_never_run_one_conversation_at_once(redis_server) -> None:
    """Four replicas (threads, each with its own event loop and Redis connection) and forty turns of one
    conversation racing for its lock (far more than a user's retries ever make): at most one runs at a time
    and every one runs. Rasa's ticket store, run the same way, let three in at once and failed most turns
    with LockError."""
    url, _ = redis_server
    count = threading.Lock()
    state = {"inside": 0, "most": 0, "done": 0}

    def replica(store: ClusterLockStore) -> None:
        async def turn() -> None:
            async with store.lock("web-1", lock_lifetime=10):
                with count:
                    state["inside"] += 1
                    state["most"] = max(state["most"], state["inside"])
                await asyncio.sleep(0.002)
                with count:
                    state["inside"] -= 1
                    state["done"] += 1

        async def turns() -> None:
            await asyncio.gather(*(turn() for _ in range(10)))

        asyncio.run(turns())

    threads = [threading.Thread(target=replica, args=(store_at(url),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert (state["most"], state["done"]) == (1, 40)
    assert store_at(url).red.get(store_at(url).key("web-1")) is None, "the last holder released the lock"


def test_a_slow_turn_keeps_its_lock_past_the_lifetime(redis_server) -> None:
    url, _ = redis_server
    holder, other = store_at(url), store_at(url)

    async def main() -> float:
        async with holder.lock("web-2", lock_lifetime=0.3):
            await asyncio.sleep(1.0)  # more than three lifetimes: the keeper extends it
            assert not other.try_acquire("web-2", "someone-else", 300)
        started = time.monotonic()
        async with other.lock("web-2", lock_lifetime=0.3):
            return time.monotonic() - started

    assert asyncio.run(main()) < 0.2, "released at once when the turn ended"


def test_a_dead_holders_lock_expires_and_the_next_turn_runs(redis_server) -> None:
    url, _ = redis_server
    store = store_at(url)
    assert store.try_acquire("web-3", "a-replica-that-was-killed", 500)

    async def main() -> float:
        started = time.monotonic()
        async with store.lock("web-3", lock_lifetime=5):
            return time.monotonic() - started

    waited = asyncio.run(main())
    assert 0.3 < waited < 2.0


def test_nobody_releases_or_extends_a_lock_they_do_not_hold(redis_server) -> None:
    url, _ = redis_server
    store = store_at(url)
    assert store.try_acquire("web-4", "mine", 10_000)
    assert not store.release("web-4", "not-mine")
    assert not store.extend("web-4", "not-mine", 10_000)
    assert store.release("web-4", "mine")


def test_waiting_longer_than_a_lifetime_is_a_lock_error(redis_server) -> None:
    url, _ = redis_server
    store = store_at(url)
    assert store.try_acquire("web-5", "held", 10_000)

    async def main() -> None:
        async with store.lock("web-5", lock_lifetime=0.3):
            pass

    with pytest.raises(LockError):
        asyncio.run(main())


def test_a_turn_during_a_redis_restart_waits_for_it(redis_server, tmp_path) -> None:
    """A message arriving while Redis restarts (about a second) still gets its conversation's lock instead
    of failing with a 500 the client would have to retry."""
    url, process = redis_server
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    store = store_at(url)
    process.terminate()
    process.wait(10)
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--dir", str(tmp_path)]
    restarted: list[subprocess.Popen] = []
    later = threading.Timer(
        0.4, lambda: restarted.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
    )
    later.start()

    async def main() -> None:
        async with store.lock("web-6", lock_lifetime=5):
            pass

    try:
        started = time.monotonic()
        asyncio.run(main())
        assert time.monotonic() - started >= 0.3, "it waited for Redis to come back"
    finally:
        later.join()
        for again in restarted:
            again.terminate()
            again.wait(10)


def test_a_crashed_replica_stalls_its_conversation_for_seconds_not_a_minute(redis_server) -> None:
    """Rasa asks for 60 s locks; the key lives 10 s at a time (extended while the turn runs), so a replica
    killed mid-turn frees its conversation within 10 s."""
    url, _ = redis_server
    store = store_at(url)

    async def main() -> int:
        async with store.lock("web-7", lock_lifetime=60):
            return store.red.pttl(store.key("web-7"))

    assert 0 < asyncio.run(main()) <= 10_000
