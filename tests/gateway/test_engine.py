"""The id a message carries into the dialogue (gateway/engine.py)."""

from __future__ import annotations

from gateway.engine import wire_message_id

KEY = b"k" * 32


def test_every_replica_derives_the_same_id_for_a_retry() -> None:
    first = wire_message_id(KEY, "web-1", "13800138000")
    assert first == wire_message_id(bytes(KEY), "web-1", "13800138000")
    assert len(first) == 32 and "13800138000" not in first, "the client's id itself is never stored"


def test_ids_differ_by_conversation_and_by_key() -> None:
    assert wire_message_id(KEY, "web-1", "m1") != wire_message_id(KEY, "web-2", "m1")
    assert wire_message_id(KEY, "web-1", "m1") != wire_message_id(b"o" * 32, "web-1", "m1")


def test_a_message_without_an_id_gets_a_new_one_each_time() -> None:
    assert wire_message_id(KEY, "web-1", None) != wire_message_id(KEY, "web-1", None)


def test_rasa_admits_the_gateway_by_a_short_lived_jwt_in_a_header() -> None:
    import jwt

    from gateway.engine import RasaCredential

    now = [1_000_000.0]
    credential = RasaCredential("s" * 32, clock=lambda: now[0])
    first = credential.headers()["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(first, "s" * 32, algorithms=["HS256"], options={"verify_exp": False})
    assert claims["user"] == {"username": "gateway", "role": "admin"}
    assert claims["exp"] - claims["iat"] == RasaCredential.LIFETIME_S
    now[0] += 100
    assert credential.headers()["Authorization"].removeprefix("Bearer ") == first, "reused while fresh"
    now[0] += 150  # within a minute of its end: a new one
    assert credential.headers()["Authorization"].removeprefix("Bearer ") != first
    assert RasaCredential("").headers() == {}, "no secret (a bare local Rasa): no header"
