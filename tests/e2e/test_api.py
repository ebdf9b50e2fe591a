"""The gateway's HTTP contract and its answers to bad input."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_healthz_reports_every_service(client: httpx.Client) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["engine"] and body["actions"] and body["backend"]


def test_parse_returns_intent_entities_and_normalized_text(client: httpx.Client) -> None:
    body = client.post("/api/nlu/parse", json={"text": "我的手机号是幺三八幺二三四五六七八"}).json()
    assert body["language"] == "zh"
    assert "13812345678" in body["normalized_text"]
    assert {"entity": "phone_number", "value": "13812345678"}.items() <= body["entities"][0].items()
    assert client.post("/api/nlu/parse", json={"text": "我想开户"}).json()["intent"]["name"] == "open_account"


@pytest.mark.parametrize(
    "payload, error",
    [
        ({"sender_id": "u1", "text": ""}, "empty_text"),
        ({"sender_id": "u1", "text": "   "}, "empty_text"),
        ({"sender_id": "u1", "text": "开" * 501}, "text_too_long"),
        ({"sender_id": "u1", "text": 123}, "invalid_request"),
        ({"sender_id": "u1"}, "invalid_request"),
        ({"sender_id": "bad id with spaces", "text": "hi"}, "invalid_request"),
        ({"sender_id": "u1", "text": "hi", "channel": "fax"}, "invalid_request"),
    ],
)
def test_bad_chat_requests_get_a_json_4xx(client: httpx.Client, payload: dict, error: str) -> None:
    response = client.post("/api/chat", json=payload)
    assert response.status_code == 422
    assert response.json()["error"] == error and response.json()["message"]


def test_non_json_body_is_a_4xx(client: httpx.Client) -> None:
    response = client.post("/api/chat", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"


def test_unknown_sender_and_sandbox_errors(client: httpx.Client) -> None:
    assert client.get("/api/chat/nobody-ever-spoke/state").json()["error"] == "unknown_sender"
    assert client.get("/api/sandbox/sms/12345").status_code == 422
    assert client.get("/api/sandbox/sms/13900000000").status_code == 404


def test_openapi_docs_are_served(client: httpx.Client) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/chat", "/api/nlu/parse", "/healthz"} <= set(paths)


def test_a_repeated_message_id_answers_the_first_answer_and_changes_nothing(client: httpx.Client) -> None:
    """A client that got no answer sends the same message again: no second turn, no second SMS."""
    from tests.e2e.helpers import Conversation, unique_phone

    user = Conversation(client)
    user.say("我想开户")
    user.say("同意")
    phone = unique_phone()
    body = {"sender_id": user.sender_id, "text": phone, "message_id": "m-phone-1"}
    first = client.post("/api/chat", json=body)
    code = user.sms_code(phone)
    again = client.post("/api/chat", json=body)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["state"]["step"] == "sms_code"
    assert user.sms_code(phone) == code, "the repeated message sent no second code"
    # The next message goes on from the one turn, as if the repeat never happened.
    user.say(code)
    assert user.state["stage"] == 2, user.text
    bad = client.post("/api/chat", json={**body, "message_id": "no spaces allowed"})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_request"
