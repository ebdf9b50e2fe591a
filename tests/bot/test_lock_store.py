"""Rasa's lock store in a cluster (bot/lock_store.py) against a real Redis that restarts."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.lock_store import ReconnectingRedisLockStore


def test_a_turn_during_a_redis_restart_waits_for_it(redis_server, tmp_path) -> None:
    """A message arriving while Redis restarts (about a second) still gets its conversation's lock; Rasa's
    own store fails that turn (a 500 the client has to retry)."""
    url, process = redis_server
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    ours = ReconnectingRedisLockStore(EndpointConfig(url="127.0.0.1", port=port, db=0, key_prefix="t"))
    rasas = RedisLockStore(host="127.0.0.1", port=port, db=0, key_prefix="r")
    for store in (ours, rasas):
        store.save_lock(store.create_lock("web-1"))
    process.terminate()
    process.wait(10)
    with pytest.raises(RedisConnectionError):
        rasas.get_or_create_lock("web-1")
    command = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--dir",
        str(tmp_path),
    ]
    restarted: list[subprocess.Popen] = []
    later = threading.Timer(
        0.4, lambda: restarted.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
    )
    later.start()
    try:
        started = time.monotonic()
        assert ours.get_or_create_lock("web-1").conversation_id == "web-1"
        assert time.monotonic() - started >= 0.3, "it waited for Redis to come back"
    finally:
        later.join()
        for again in restarted:
            again.terminate()
            again.wait(10)
