"""The hotline's X-Twilio-Signature check: Twilio's published test vector, URL forms, the gateway route."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import Headers
from starlette.websockets import WebSocketDisconnect

from voice.channels.twilio_auth import HotlineGuard, compute_signature, is_valid, url_variants

# The example in Twilio's request-validation documentation and SDK tests.
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}


def test_signature_matches_twilios_published_example() -> None:
    assert compute_signature(TOKEN, URL, PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert is_valid(TOKEN, URL, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", PARAMS)
    assert not is_valid("54321", URL, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", PARAMS)
    assert not is_valid(TOKEN, URL + "&baz=3", "RSOYDt4T1cUTdK1PDd93/VVr8B8=", PARAMS)


def test_a_signature_over_the_url_with_or_without_its_default_port_is_accepted() -> None:
    assert is_valid(TOKEN, URL.replace(".com", ".com:443"), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", PARAMS)
    assert is_valid(TOKEN, URL, "kvajT1Ptam85bY51eRf/AJRuM3w=", PARAMS)  # Twilio signed it with :443
    assert url_variants("wss://x.cn/ws/hotline") == ["wss://x.cn/ws/hotline", "wss://x.cn:443/ws/hotline"]


def signed(url: str, token: str = "s3cret") -> Headers:
    return Headers({"x-twilio-signature": compute_signature(token, url)})


def test_the_guard_checks_the_public_url_when_behind_a_proxy() -> None:
    guard = HotlineGuard(auth_token="s3cret", public_url="wss://hotline.broker.cn/ws/hotline", sandbox=False)
    seen = "ws://10.0.0.5:8000/ws/hotline"  # what the gateway receives from the load balancer
    assert guard.refusal(seen, signed("wss://hotline.broker.cn/ws/hotline")) is None
    assert guard.refusal(seen, signed(seen)) == "X-Twilio-Signature does not match"
    assert guard.refusal(seen, Headers({})) == "no X-Twilio-Signature header"


def test_the_guard_follows_forwarded_headers_without_a_public_url() -> None:
    guard = HotlineGuard(auth_token="s3cret", public_url="", sandbox=True)
    headers = signed("wss://hotline.broker.cn/ws/hotline?x=1")
    forwarded = Headers({**headers, "x-forwarded-proto": "https", "x-forwarded-host": "hotline.broker.cn"})
    assert guard.refusal("ws://10.0.0.5:8000/ws/hotline?x=1", forwarded) is None
    assert guard.refusal("ws://10.0.0.5:8000/ws/hotline?x=1", headers) is not None


def test_without_a_token_only_sandbox_mode_takes_unsigned_calls() -> None:
    assert HotlineGuard(auth_token="", sandbox=True).refusal("ws://h/ws/hotline", Headers({})) is None
    refusal = HotlineGuard(auth_token="", sandbox=False).refusal("ws://h/ws/hotline", Headers({}))
    assert refusal == "TWILIO_AUTH_TOKEN is not set outside sandbox mode"


@pytest.mark.parametrize(
    "env",
    [{"TWILIO_AUTH_TOKEN": "s3cret"}, {"TWILIO_AUTH_TOKEN": "", "SANDBOX_MODE": "false"}],
)
def test_the_gateway_refuses_an_unsigned_call_before_accepting_it(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from gateway.app import create_app

    client = TestClient(create_app())  # no lifespan: nothing is loaded, the refusal comes first
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/hotline"):
        pass
    assert refused.value.code == 1008
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect("/ws/hotline", headers={"X-Twilio-Signature": "AAAA"}),
    ):
        pass
