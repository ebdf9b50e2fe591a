"""Abuse limits on the running gateway: a sender's 31st message within the minute is refused with 429, is
not processed, and the conversation goes on once the client waits retry_after_s.

The e2e services run with the default per-sender limit (30 a minute) and a high per-address limit
(scripts/services.py), since every test talks from 127.0.0.1."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.helpers import Conversation, unique_phone

pytestmark = pytest.mark.e2e
LIMIT = 30  # RATE_LIMIT_SENDER_PER_MIN's default


def test_the_31st_message_in_a_minute_is_refused_and_the_conversation_goes_on(client: httpx.Client) -> None:
    user = Conversation(client)
    user.say("我想开户")
    user.say("同意")
    assert user.state["step"] == "phone"
    time.sleep(2 * 60 / LIMIT)  # the two messages above are refilled: the burst starts from a full bucket
    body = {"sender_id": user.sender_id, "channel": "app"}
    # 30 messages in a row: every message counts, an invalid one too (answered 422 without the engine,
    # so the burst takes milliseconds and the bucket has no time to refill) ...
    burst = [client.post("/api/chat", json={**body, "text": "好" * 501}) for _ in range(LIMIT)]
    assert {(r.status_code, r.json()["error"]) for r in burst} == {(422, "text_too_long")}
    # ... and the 31st within the minute is refused: a phone number that must not be taken.
    phone = unique_phone()
    limited = client.post("/api/chat", json={**body, "text": phone})
    assert limited.status_code == 429, limited.text
    refusal = limited.json()
    assert refusal["error"] == "rate_limited" and refusal["message"]
    assert 1 <= refusal["retry_after_s"] <= 2 and limited.headers["Retry-After"] == str(
        refusal["retry_after_s"]
    )

    state = client.get(f"/api/chat/{user.sender_id}/state").json()["state"]
    assert state["step"] == "phone", "the refused message was not processed"
    time.sleep(refusal["retry_after_s"])
    user.say(phone)  # the same message, now let in: the conversation goes on where it was
    assert user.state["step"] == "sms_code" and f"{phone[:3]}****{phone[-4:]}" in user.text
