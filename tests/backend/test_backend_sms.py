"""SMS codes: wrong tries, expiry, resend and its interval, the sandbox outbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from backend_testkit import AS_ACTIONS, AS_GATEWAY, PHONE, FakeClock, Flow
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.config import Settings
from backend.models import SmsChallenge


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def started(flow: Flow) -> str:
    app_id = flow.create()
    flow.consent(app_id)
    flow.send_code(app_id)
    return app_id


def test_code_is_six_digits_and_stored_only_hashed(flow: Flow, client: TestClient) -> None:
    app_id = started(flow)
    code = flow.code()
    assert len(code) == 6 and code.isdigit()
    outbox = client.post("/sandbox/sms", json={"phone": PHONE}, headers=AS_GATEWAY).json()
    assert outbox["phone"] == PHONE and outbox["expires_at"] > outbox["sent_at"]
    with client.app.state.services.db.session() as session:
        challenge = session.query(SmsChallenge).filter_by(application_id=app_id).one()
        assert challenge.code_hash != code and code not in challenge.code_hash


def test_wrong_codes_then_resend_required(flow: Flow) -> None:
    app_id = started(flow)
    code = flow.code()
    url = f"/applications/{app_id}/phone/verify"
    for left in (4, 3, 2, 1):
        response = flow.client.post(url, json={"code": wrong(code)})
        assert response.status_code == 422
        assert response.json() == {
            "error": "wrong_code",
            "message": "The code is not correct.",
            "tries_left": left,
        }
    fifth = flow.client.post(url, json={"code": wrong(code)})
    assert fifth.status_code == 429 and fifth.json()["error"] == "too_many_tries"
    # Even the right code no longer works: a new one must be sent.
    right = flow.client.post(url, json={"code": code})
    assert right.status_code == 429 and right.json()["error"] == "too_many_tries"
    flow.post(f"/applications/{app_id}/phone/resend")
    new_code = flow.code()
    if new_code != code:  # one chance in a million that the new code is the same
        assert flow.client.post(url, json={"code": code}).json()["error"] == "wrong_code"
    assert flow.post(url, {"code": new_code})["verified"] is True


def test_code_expires(flow: Flow, clock: FakeClock) -> None:
    app_id = started(flow)
    code = flow.code()
    clock.advance(seconds=300)
    response = flow.client.post(f"/applications/{app_id}/phone/verify", json={"code": code})
    assert response.status_code == 410 and response.json()["error"] == "code_expired"
    flow.post(f"/applications/{app_id}/phone/resend")
    assert flow.verify(app_id)["verified"] is True


def test_code_with_spaces_is_accepted(flow: Flow) -> None:
    app_id = started(flow)
    code = flow.code()
    spaced = f"{code[:3]} {code[3:]}"
    assert flow.post(f"/applications/{app_id}/phone/verify", {"code": spaced})["verified"] is True


@pytest.fixture
def slow_resend_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(
        create_app(settings.with_overrides(sms_resend_interval_s=30)), headers=AS_ACTIONS
    ) as client:
        yield client


def test_resend_interval(slow_resend_client: TestClient, clock: FakeClock) -> None:
    flow = Flow(slow_resend_client)
    app_id = started(flow)
    too_soon = slow_resend_client.post(f"/applications/{app_id}/phone/resend")
    assert too_soon.status_code == 429
    assert too_soon.json()["error"] == "resend_too_soon" and too_soon.json()["retry_after_s"] == 30
    # The interval is per phone number, whichever application asks: another application within it gets no
    # second SMS (the code in hand is reused, see below) and cannot ask for one either.
    other = flow.create("user-2")
    flow.consent(other)
    assert flow.send_code(other)["already_sent"] is True
    assert slow_resend_client.post(f"/applications/{other}/phone/resend").status_code == 429
    clock.advance(seconds=30)
    assert flow.post(f"/applications/{app_id}/phone/resend")["resend_after_s"] == 30


def outbox_size(client: TestClient) -> int:
    from backend.models import SandboxOutbox

    with client.app.state.services.db.session() as session:
        return session.query(SandboxOutbox).count()


def test_a_new_conversation_within_the_interval_reuses_the_code_in_hand(
    slow_resend_client: TestClient, clock: FakeClock
) -> None:
    flow = Flow(slow_resend_client)
    first = flow.until_identity()  # phone proven in the first conversation
    code = flow.code()
    clock.advance(seconds=10)
    later = flow.create("user-2")
    flow.consent(later)
    sent = flow.send_code(later)
    assert sent["already_sent"] is True and sent["phone_masked"] == "138****5678"
    assert sent["resend_after_s"] == 20 and sent["expires_in_s"] == 290
    assert outbox_size(slow_resend_client) == 1, "no second SMS"
    verified = flow.post(f"/applications/{later}/phone/verify", {"code": code})
    assert verified["resumed"] is True and verified["application"]["id"] == first


def test_a_reused_code_shares_the_tries_of_the_one_sent(slow_resend_client: TestClient) -> None:
    flow = Flow(slow_resend_client)
    first = started(flow)
    code = flow.code()
    for _ in range(3):
        flow.client.post(f"/applications/{first}/phone/verify", json={"code": wrong(code)})
    later = flow.create("user-2")
    flow.consent(later)
    assert flow.send_code(later)["already_sent"] is True
    response = flow.client.post(f"/applications/{later}/phone/verify", json={"code": wrong(code)})
    assert response.json()["tries_left"] == 1
    flow.client.post(f"/applications/{later}/phone/verify", json={"code": wrong(code)})
    # Used up, in both applications: the exhausted code is not handed to a third one either.
    third = flow.create("user-3")
    flow.consent(third)
    assert slow_resend_client.post(f"/applications/{third}/phone", json={"phone": PHONE}).status_code == 429


def test_an_expired_code_is_not_reused(settings: Settings, clock: FakeClock) -> None:
    app = create_app(settings.with_overrides(sms_resend_interval_s=30, sms_code_ttl_s=20))
    with TestClient(app, headers=AS_ACTIONS) as client:
        flow = Flow(client)
        started(flow)
        clock.advance(seconds=25)
        later = flow.create("user-2")
        flow.consent(later)
        response = client.post(f"/applications/{later}/phone", json={"phone": PHONE})
        assert response.status_code == 429 and response.json()["error"] == "resend_too_soon"


def test_daily_limit_per_phone(settings: Settings, clock: FakeClock) -> None:
    app = create_app(settings.with_overrides(sms_resend_interval_s=30, sms_max_per_phone_per_day=3))
    with TestClient(app, headers=AS_ACTIONS) as client:
        flow = Flow(client)
        app_id = started(flow)
        for _ in range(2):
            clock.advance(seconds=31)
            flow.post(f"/applications/{app_id}/phone/resend")
        clock.advance(seconds=31)
        refused = client.post(f"/applications/{app_id}/phone/resend")
        assert refused.status_code == 429 and refused.json()["error"] == "sms_daily_limit"
        other = flow.create("user-2")
        flow.consent(other)
        assert client.post(f"/applications/{other}/phone", json={"phone": PHONE}).status_code == 429
        clock.advance(hours=24)
        assert flow.post(f"/applications/{app_id}/phone/resend")["already_sent"] is False


def test_blocked_and_undeliverable_numbers_are_refused(flow: Flow, client: TestClient) -> None:
    app_id = flow.create()
    flow.consent(app_id)
    blocked = client.post(f"/applications/{app_id}/phone", json={"phone": "13900000666"})
    assert blocked.status_code == 403 and blocked.json()["error"] == "phone_blocked"
    undeliverable = client.post(f"/applications/{app_id}/phone", json={"phone": "13900000404"})
    assert undeliverable.status_code == 422 and undeliverable.json()["error"] == "sms_undeliverable"
    snap = client.get(f"/applications/{app_id}").json()
    assert snap["phone_masked"] is None, "a number that cannot be proven is not kept"
    # Another number works at once: the failed one held no resend interval.
    assert flow.send_code(app_id)["already_sent"] is False


def test_sandbox_rewind_moves_one_numbers_codes_back(slow_resend_client: TestClient) -> None:
    flow = Flow(slow_resend_client)
    app_id = started(flow)
    assert slow_resend_client.post(f"/applications/{app_id}/phone/resend").status_code == 429
    rewound = slow_resend_client.post(
        "/sandbox/sms/rewind", json={"phone": PHONE, "seconds": 31}, headers=AS_GATEWAY
    ).json()
    assert rewound == {"phone_masked": "138****5678", "rewound": 1}
    assert flow.post(f"/applications/{app_id}/phone/resend")["already_sent"] is False
    assert (
        slow_resend_client.post(
            "/sandbox/sms/rewind", json={"phone": PHONE, "seconds": 0}, headers=AS_GATEWAY
        ).status_code
        == 422
    )


def test_outbox_404_when_nothing_sent(client: TestClient) -> None:
    response = client.post("/sandbox/sms", json={"phone": "13900000000"}, headers=AS_GATEWAY)
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_new_phone_needs_new_verification(flow: Flow) -> None:
    app_id = flow.until_identity()
    snap = flow.client.get(f"/applications/{app_id}").json()
    assert snap["phone_verified"]
    flow.send_code(app_id, "13912345678")
    snap = flow.client.get(f"/applications/{app_id}").json()
    assert not snap["phone_verified"] and snap["phone_masked"] == "139****5678"
