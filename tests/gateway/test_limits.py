"""Abuse limits (gateway/limits.py): token buckets on a fake clock; the real gateway answering 429 and 413.

The gateway here has no Rasa server behind it (RASA_URL points at a closed port): a message that passes the
limits reaches the engine and gets 503 engine_unavailable, one that does not gets 429 before it."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from gateway.app import create_app
from gateway.limits import Limits, RateLimited, TokenBucketLimiter
from gateway.settings import GatewaySettings

CLOSED_PORT = "http://127.0.0.1:9"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucketLimiter(30, clock)
    assert [bucket.take("a") for _ in range(30)] == [0.0] * 30
    assert bucket.take("a") == pytest.approx(2.0)  # 30/min: one token every 2 s
    assert bucket.take("b") == 0.0  # keys are independent
    clock.now += 1.0
    assert bucket.take("a") == pytest.approx(1.0)  # a refused try spends nothing
    clock.now += 1.0
    assert bucket.take("a") == 0.0
    assert bucket.take("a") > 0
    clock.now += 3600
    assert [bucket.take("a") for _ in range(30)] == [0.0] * 30  # full again, never above capacity
    assert bucket.take("a") > 0


def test_memory_is_bounded_without_forgetting_a_spent_bucket() -> None:
    clock = FakeClock()
    bucket = TokenBucketLimiter(2, clock, max_keys=3)
    bucket.take("spent")
    bucket.take("spent")
    for key in ("x", "y"):
        bucket.take(key)
    clock.now += 60  # x, y (and spent) have refilled: dropping them loses nothing
    bucket.take("spent")
    bucket.take("spent")
    bucket.take("new")
    assert bucket.take("spent") > 0
    assert len(bucket._buckets) <= 3


def test_settings_from_the_environment() -> None:
    limits = Limits.from_env(
        {"RATE_LIMIT_SENDER_PER_MIN": "5", "RATE_LIMIT_IP_PER_MIN": "7", "MAX_BODY_BYTES": "99"}
    )
    assert (limits.sender_per_min, limits.ip_per_min, limits.max_body_bytes) == (5, 7, 99)
    assert Limits.from_env({}).sender_per_min == 30 and Limits.from_env({}).ip_per_min == 120
    for bad in ("0", "lots", "-3"):
        with pytest.raises(ValueError, match="RATE_LIMIT_IP_PER_MIN"):
            Limits.from_env({"RATE_LIMIT_IP_PER_MIN": bad})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def gateway(clock: FakeClock, **limits: int) -> TestClient:
    settings = GatewaySettings(rasa_url=CLOSED_PORT, actions_url=CLOSED_PORT, backend_url=CLOSED_PORT)
    return TestClient(create_app(settings, Limits(clock=clock, **limits)))


def chat(client: TestClient, sender: str = "user-1") -> int:
    return client.post("/api/chat", json={"sender_id": sender, "text": "你好"}).status_code


def test_the_sender_limit_answers_429_before_the_engine(clock: FakeClock) -> None:
    client = gateway(clock, sender_per_min=3)
    assert [chat(client) for _ in range(3)] == [503, 503, 503]  # passed the limit, reached the engine
    limited = client.post("/api/chat", json={"sender_id": "user-1", "text": "你好"})
    assert limited.status_code == 429
    body = limited.json()
    assert body["error"] == "rate_limited" and body["retry_after_s"] == 20 and body["message"]
    assert limited.headers["retry-after"] == "20"
    assert chat(client, "user-2") == 503  # another sender is not affected
    clock.now += 20
    assert chat(client) == 503  # after retry_after_s the sender goes on


def test_invalid_messages_count_too(clock: FakeClock) -> None:
    client = gateway(clock, sender_per_min=2)
    for text in ("   ", "x" * 10_000):
        assert client.post("/api/chat", json={"sender_id": "u", "text": text}).status_code == 422
    assert chat(client, "u") == 429


def test_the_sender_limit_covers_voice_turns(clock: FakeClock) -> None:
    client = gateway(clock, sender_per_min=1)
    assert chat(client) == 503
    audio = {"audio": ("a.wav", io.BytesIO(b"RIFF"), "audio/wav")}
    response = client.post("/api/voice/turn", data={"sender_id": "user-1"}, files=audio)
    assert response.status_code == 429 and response.json()["error"] == "rate_limited"


def test_the_ip_limit_counts_every_message_route(clock: FakeClock) -> None:
    client = gateway(clock, ip_per_min=2, sender_per_min=100)
    assert chat(client, "a") == 503
    assert client.post("/api/nlu/parse", json={"text": "你好"}).status_code == 503
    response = client.post("/api/chat", json={"sender_id": "b", "text": "你好"})
    assert response.status_code == 429 and response.json()["retry_after_s"] == 30
    assert client.get("/openapi.json").status_code == 200  # reading is not limited
    clock.now += 30
    assert chat(client, "c") == 503


def test_bodies_over_the_limit_get_413(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICE_MAX_UPLOAD_BYTES", "4096")  # the voice route's own limit
    client = gateway(clock, max_body_bytes=1024, max_upload_bytes=4096)
    big = json.dumps({"sender_id": "u", "text": "x" * 2000})
    for path in ("/api/chat", "/api/nlu/parse", "/api/sandbox/sms/13812345678", "/nowhere"):
        response = client.post(path, content=big, headers={"Content-Type": "application/json"})
        assert response.status_code == 413, path
        assert response.json()["error"] == "request_too_large"
    # A chunked body (no Content-Length) is counted as it is read.
    chunked = client.post("/api/chat", content=iter([big[:600].encode(), big[600:].encode()]))
    assert chunked.status_code == 413 and "content-length" not in chunked.request.headers
    bogus = client.post("/api/chat", content=b"{}", headers={"Content-Length": "-1"})
    assert bogus.status_code == 413
    # The audio route allows its upload limit; past it, the route's own audio_too_large answers first.
    audio = {"audio": ("a.wav", io.BytesIO(b"\0" * 5000), "audio/wav")}
    response = client.post("/api/voice/turn", data={"sender_id": "u"}, files=audio)
    assert response.status_code == 413 and response.json()["error"] == "audio_too_large"
    assert "audio file" in response.json()["message"]  # the route's check
    huge = {"audio": ("a.wav", io.BytesIO(b"\0" * 200_000), "audio/wav")}
    response = client.post("/api/voice/turn", data={"sender_id": "u"}, files=huge)
    assert response.status_code == 413 and response.json()["error"] == "audio_too_large"
    assert "request body is limited to 69632 bytes" in response.json()["message"]  # the gateway's, unread
    assert chat(client) == 503  # a small body still goes through


def test_new_websocket_connections_are_limited_per_ip(clock: FakeClock) -> None:
    client = gateway(clock, connections_per_min=1)
    with client.websocket_connect("/ws/voice") as first:
        first.close()
    for path in ("/ws/voice", "/ws/hotline"):
        with client.websocket_connect(path) as refused:
            frame = refused.receive_json()
            assert (
                frame["type"] == "error" and frame["error"] == "rate_limited" and frame["retry_after_s"] == 60
            )
            with pytest.raises(WebSocketDisconnect) as closed:
                refused.receive_text()
            assert closed.value.code == 1013


def test_replicas_share_the_buckets_through_redis(redis_server) -> None:
    import asyncio

    from redis import asyncio as aioredis

    url, process = redis_server

    async def scenario() -> None:
        first, second = (Limits(sender_per_min=30, redis=aioredis.from_url(url)) for _ in range(2))
        waits = [await replica.sender.wait_for("web-1") for replica in (first, second) * 15]
        assert waits == [0.0] * 30, "30 a minute across both replicas"
        assert await second.sender.wait_for("web-1") == pytest.approx(2.0, abs=0.1)
        with pytest.raises(RateLimited):
            await first.check_sender("web-1")
        assert await first.sender.wait_for("web-2") == 0.0  # another sender has its own bucket
        process.terminate()
        process.wait(10)
        # Redis gone: each replica limits on its own meanwhile, nobody is refused for Redis's sake.
        assert await first.sender.wait_for("web-3") == 0.0

    asyncio.run(scenario())
