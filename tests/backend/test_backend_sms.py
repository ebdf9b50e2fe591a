"""SMS codes: wrong tries, expiry, resend and its interval, the sandbox outbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from backend_testkit import PHONE, FakeClock, Flow
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
    outbox = client.get(f"/sandbox/sms/{PHONE}").json()
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
    with TestClient(create_app(settings.with_overrides(sms_resend_interval_s=30))) as client:
        yield client


def test_resend_interval(slow_resend_client: TestClient, clock: FakeClock) -> None:
    flow = Flow(slow_resend_client)
    app_id = started(flow)
    too_soon = slow_resend_client.post(f"/applications/{app_id}/phone/resend")
    assert too_soon.status_code == 429
    assert too_soon.json()["error"] == "resend_too_soon" and too_soon.json()["retry_after_s"] == 30
    # The interval is per phone number, whichever application asks.
    other = flow.create("user-2")
    flow.consent(other)
    assert slow_resend_client.post(f"/applications/{other}/phone", json={"phone": PHONE}).status_code == 429
    clock.advance(seconds=30)
    assert flow.post(f"/applications/{app_id}/phone/resend")["resend_after_s"] == 30


def test_outbox_404_when_nothing_sent(client: TestClient) -> None:
    response = client.get("/sandbox/sms/13900000000")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_new_phone_needs_new_verification(flow: Flow) -> None:
    app_id = flow.until_identity()
    snap = flow.client.get(f"/applications/{app_id}").json()
    assert snap["phone_verified"]
    flow.send_code(app_id, "13912345678")
    snap = flow.client.get(f"/applications/{app_id}").json()
    assert not snap["phone_verified"] and snap["phone_masked"] == "139****5678"
