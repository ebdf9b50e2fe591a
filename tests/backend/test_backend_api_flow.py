"""The whole API: the happy path end to end, step order, reference texts and the error shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from backend_testkit import ADULT_ID, AS_ACTIONS, AS_GATEWAY, CARD, PHONE, Flow
from fastapi.testclient import TestClient
from sqlalchemy import text

from backend.config import Settings
from backend.models import Base
from privacy.numbers import luhn_valid


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "sandbox": True, "database": "ok"}
    assert client.get("/livez").json() == {"status": "alive"}


def test_reference_texts(client: TestClient) -> None:
    notice = client.get("/notices/current?lang=zh").json()
    assert notice["version"] and "身份证" in notice["text"] and "删除" in notice["text"]
    agreements = client.get("/agreements?lang=zh").json()
    titles = [d["title"] for d in agreements["documents"]]
    assert titles == ["证券交易委托代理协议", "客户须知", "证券交易风险揭示书"]
    assert all(d["version"] and d["summary"] for d in agreements["documents"])
    assert client.get("/agreements").json() == agreements  # no lang: zh


def test_happy_path(flow: Flow) -> None:
    app_id = flow.create("user-happy", "hotline")
    assert app_id.startswith("app_")
    snap = flow.consent(app_id)
    assert snap["consent"] is True and snap["next_step"] == "phone" and snap["stage"] == 1

    sent = flow.send_code(app_id, "138 1234 5678")
    assert sent == {
        "phone_masked": "138****5678",
        "expires_in_s": 300,
        "resend_after_s": 0,
        "already_sent": False,
    }
    verified = flow.verify(app_id)
    assert verified["verified"] is True and verified["resumed"] is False
    assert verified["application"]["phone_verified"] and verified["application"]["next_step"] == "name"

    snap = flow.identity(app_id)
    assert snap["identity_verified"] and snap["name"] == "张伟" and snap["age"] == 39
    assert (
        snap["id_masked"] == "3101**********3455" and snap["next_step"] == "liveness" and snap["stage"] == 2
    )

    started = flow.post(f"/applications/{app_id}/liveness/start")
    assert started["status"] == "pending" and started["session_id"] and started["url"]
    checked = flow.post(f"/applications/{app_id}/liveness/check")
    assert checked["passed"] is True and checked["status"] == "passed"
    assert checked["application"]["liveness_passed"]

    risk = flow.risk(app_id, [3, 3, 2, 3, 2])
    assert (risk["score"], risk["level"], risk["level_name"]) == (13, "C3", "稳健型")
    assert risk["lowest_category"] is False and risk["notice"] is None

    signed = flow.sign(app_id)
    assert (
        signed["signed"] is True and signed["version"] and signed["signed_at"].startswith("2025-06-01T02:00")
    )
    assert signed["application"]["agreement_signed"] and signed["application"]["next_step"] == "bank_card"

    card = flow.card(app_id)
    assert card["bank_name"] == "中国工商银行" and card["card_masked"] == "6222 **** **** 0128"
    assert card["card_last4"] == "0128" and card["application"]["next_step"] == "review"

    result = flow.submit(app_id)
    assert result["status"] == "approved" and result["review_reasons"] == []
    account = result["account_number"]
    assert len(account) == 12 and account.isdigit() and account[0] != "0" and luhn_valid(account)
    final = flow.client.get(f"/applications/{app_id}").json()
    assert final["status"] == "approved" and final["account_number"] == account
    assert final["channel"] == "hotline" and final["next_step"] is None
    assert final["phone_masked"] == "138****5678" and final["bank_name"] == "中国工商银行"

    # Encrypted at rest: the raw numbers appear in no table (and, on SQLite, nowhere in the file).
    services = flow.client.app.state.services
    with services.db.engine.connect() as connection:
        dump = " ".join(
            str(row) for table in Base.metadata.sorted_tables for row in connection.execute(table.select())
        )
    assert "138****5678" in dump and "张伟" in dump
    for secret in (ADULT_ID, PHONE, CARD):
        assert secret not in dump
    with services.db.engine.connect() as connection:  # names too: the column holds ciphertext
        stored = [
            row[0]
            for row in connection.execute(
                text("SELECT name FROM applications UNION SELECT name FROM customers")
            )
        ]
    assert stored and all(name and "张伟" not in name for name in stored)
    if services.db.is_sqlite:
        raw = Path(services.db.url.database).read_bytes()
        assert all(secret.encode() not in raw for secret in (ADULT_ID, PHONE, CARD, "张伟"))


def test_submit_twice_is_refused(flow: Flow) -> None:
    app_id = flow.complete()
    flow.submit(app_id)
    again = flow.client.post(f"/applications/{app_id}/submit")
    assert again.status_code == 409 and again.json()["error"] == "not_in_progress"


def test_step_order_is_enforced(flow: Flow) -> None:
    client = flow.client
    app_id = flow.create()
    cases = [
        ("phone", {"phone": PHONE}, 409, "consent_required"),
        ("phone/resend", {}, 409, "no_phone"),
        ("phone/verify", {"code": "123456"}, 409, "no_code_sent"),
        ("identity", {"name": "张伟", "id_number": ADULT_ID}, 409, "phone_not_verified"),
        ("liveness/start", {}, 409, "identity_required"),
        ("liveness/check", {}, 409, "liveness_not_started"),
        ("risk", {"answers": [1, 1, 1, 1, 1]}, 409, "identity_required"),
        ("agreements/sign", {"utterance": "同意", "channel": "app"}, 409, "risk_required"),
        ("bank_card", {"card_number": CARD}, 409, "agreement_required"),
    ]
    for path, body, status, error in cases:
        response = client.post(f"/applications/{app_id}/{path}", json=body)
        assert (response.status_code, response.json()["error"]) == (status, error), path
    incomplete = client.post(f"/applications/{app_id}/submit")
    assert incomplete.status_code == 409 and incomplete.json()["error"] == "incomplete"
    assert incomplete.json()["missing"] == [
        "consent",
        "phone",
        "sms_code",
        "name",
        "id_number",
        "liveness",
        "risk_q",
        "agreement",
        "bank_card",
    ]


def test_refused_consent_stops_everything(flow: Flow) -> None:
    app_id = flow.create()
    snap = flow.consent(app_id, accepted=False)
    assert (
        snap["status"] == "refused"
        and snap["consent"] is False
        and snap["refusal_reason"] == "consent_declined"
    )
    response = flow.client.post(f"/applications/{app_id}/phone", json={"phone": PHONE})
    assert response.status_code == 409 and response.json()["error"] == "not_in_progress"


def test_consent_needs_the_current_notice_version(flow: Flow) -> None:
    app_id = flow.create()
    body = {"accepted": True, "notice_version": "1999.1", "utterance": "同意", "channel": "app"}
    response = flow.client.post(f"/applications/{app_id}/consent", json=body)
    assert response.status_code == 422 and response.json()["error"] == "invalid_notice_version"
    assert flow.client.get(f"/applications/{app_id}").json()["consent"] is None


def test_invalid_phone(flow: Flow) -> None:
    app_id = flow.create()
    flow.consent(app_id)
    response = flow.client.post(f"/applications/{app_id}/phone", json={"phone": "12345678901"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_phone"


def test_validate_id_endpoint(client: TestClient) -> None:
    ok = client.post("/validate/id_number", json={"id_number": "11010519491231002x"}).json()
    assert ok == {
        "valid": True,
        "id_masked": "1101**********002X",
        "birth_date": "1949-12-31",
        "age": 75,
        "region": "北京市",
        "gender": "female",
    }
    for bad, reason in [
        ("1234", "format"),
        ("110105194912310021", "checksum"),
        ("110105199902300023", "birth_date"),
    ]:
        response = client.post("/validate/id_number", json={"id_number": bad})
        assert response.status_code == 422
        assert response.json()["error"] == "invalid_id" and response.json()["reason"] == reason


def test_error_shapes(client: TestClient) -> None:
    missing = client.post("/applications", json={})
    assert missing.status_code == 422
    body = missing.json()
    assert body["error"] == "invalid_request" and "sender_id" in body["message"] and body["details"]
    not_json = client.post(
        "/applications", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422 and not_json.json()["error"] == "invalid_request"
    unknown = client.get("/applications/app_nope")
    assert unknown.status_code == 404 and unknown.json() == {
        "error": "not_found",
        "message": "No such application.",
    }
    route = client.get("/no/such/route")
    assert route.status_code == 404 and route.json()["error"] == "not_found"
    bad_channel = client.post("/applications", json={"sender_id": "x", "channel": "Bad Channel!"})
    assert bad_channel.status_code == 422


@pytest.mark.parametrize("path", ["pause", "cancel"])
def test_pause_and_cancel(flow: Flow, path: str) -> None:
    app_id = flow.create()
    snap = flow.post(f"/applications/{app_id}/{path}")
    if path == "pause":
        assert snap["status"] == "in_progress" and snap["paused"] is True
    else:
        assert snap["status"] == "cancelled"
        again = flow.client.post(f"/applications/{app_id}/cancel")
        assert again.status_code == 409


def test_handoff(flow: Flow) -> None:
    app_id = flow.create()
    body = {
        "sender_id": "user-1",
        "application_id": app_id,
        "reason": "我要转人工 13812345678",
        "channel": "senior",
    }
    first = flow.post("/handoff", body, expect=201)
    assert first["ticket_id"].startswith("hof_") and first["eta_minutes"] >= 1
    second = flow.post("/handoff", {**body, "application_id": None}, expect=201)
    assert second["eta_minutes"] > first["eta_minutes"]  # the queue grew
    unknown = flow.client.post("/handoff", json={**body, "application_id": "app_missing"})
    assert unknown.status_code == 404


def test_openapi_documents_the_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/applications/{application_id}/phone/verify" in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert {"ApplicationOut", "ErrorOut", "VerifyOut", "SubmitOut"} <= set(schemas)


def test_the_flow_table_is_the_one_source_of_stages(client: TestClient) -> None:
    stages = client.get("/flow").json()["stages"]
    assert [s["stage"] for s in stages] == [1, 2, 3, 4, 5]
    steps = [step for stage in stages for step in stage["steps"]]
    assert steps[:3] == ["consent", "phone", "sms_code"] and steps[-1] == "done"
    assert len(steps) == len(set(steps))


def test_a_request_with_an_idempotency_key_runs_once(flow: Flow, client: TestClient) -> None:
    """A replayed turn calls the backend again with the same keys: the first answers come back."""
    from backend.models import ConsentRecord, SandboxOutbox

    app_id = flow.create()
    key = {"Idempotency-Key": "web-1:m1:consent"}
    notice = client.get("/notices/current").json()["version"]
    body = {"accepted": True, "notice_version": notice, "utterance": "同意", "channel": "app"}
    first = client.post(f"/applications/{app_id}/consent", json=body, headers=key)
    again = client.post(f"/applications/{app_id}/consent", json=body, headers=key)
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    sms = {"Idempotency-Key": "web-1:m2:phone"}
    sent = [
        client.post(f"/applications/{app_id}/phone", json={"phone": PHONE}, headers=sms) for _ in range(2)
    ]
    assert sent[0].json() == sent[1].json()
    with client.app.state.services.db.session() as session:
        assert session.query(ConsentRecord).filter_by(application_id=app_id).count() == 1
        assert session.query(SandboxOutbox).count() == 1, "one SMS"
    # A wrong code's refusal is an answer too: replayed, it does not spend a second try.
    wrong = {"Idempotency-Key": "web-1:m3:verify"}
    tries = [
        client.post(f"/applications/{app_id}/phone/verify", json={"code": "000000"}, headers=wrong).json()
        for _ in range(2)
    ]
    assert tries[0] == tries[1] and tries[0].get("tries_left") == 4 or tries[0].get("verified")
    reused = client.post(f"/applications/{app_id}/cancel", headers=key)
    assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"
    bad = client.post(f"/applications/{app_id}/cancel", headers={"Idempotency-Key": "x" * 201})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_idempotency_key"


def test_only_the_products_services_reach_the_customer_api(settings: Settings) -> None:
    """The pentest's first finding: anyone on the network could create, read and consent. Now each route
    names the services that may call it, and every other caller is refused before the body is read."""
    from backend.app import create_app
    from backend.config import ConfigError

    with TestClient(create_app(settings)) as anyone:
        assert anyone.get("/livez").status_code == 200 and anyone.get("/healthz").status_code == 200
        refused = anyone.post("/applications", json={"sender_id": "victim", "channel": "app"})
        assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
        assert anyone.post("/applications", content=b"{not json").status_code == 401
        assert anyone.get("/applications/app_x").status_code == 401
        assert (
            anyone.post("/handoff", json={}, headers={"Authorization": "Bearer " + "x" * 30}).status_code
            == 401
        )
        # The gateway's token opens the gateway's routes only, and the actions' token the actions' only.
        assert anyone.post("/applications", json={}, headers=AS_GATEWAY).status_code == 403
        assert anyone.post("/sandbox/sms", json={"phone": PHONE}, headers=AS_ACTIONS).status_code == 403
        assert anyone.post("/recordings?sender_id=a", content=b"x", headers=AS_ACTIONS).status_code == 403
        assert (
            anyone.post("/sandbox/sms", json={"phone": PHONE}, headers=AS_GATEWAY).status_code == 404
        )  # nothing sent yet
    with pytest.raises(ConfigError, match="BACKEND_TOKENS"):
        create_app(settings.with_overrides(service_tokens=None))


def test_kept_answers_are_encrypted_and_erased_with_the_application(flow: Flow, client: TestClient) -> None:
    from backend.models import IdempotentRequest

    app_id = flow.until_identity()
    flow.identity(app_id)
    key = {"Idempotency-Key": "web-1:m9:identity"}
    body = {"name": "张伟", "id_number": "310104198506123455"}
    client.post(f"/applications/{app_id}/identity", json=body, headers=key)
    with client.app.state.services.db.session() as session:
        kept = session.query(IdempotentRequest).filter_by(application_id=app_id).all()
        assert kept and all("张伟" not in row.body and "user-1" not in row.body for row in kept)
    client.delete(f"/applications/{app_id}")
    with client.app.state.services.db.session() as session:
        assert session.query(IdempotentRequest).filter_by(application_id=app_id).count() == 0
