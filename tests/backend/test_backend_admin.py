"""The admin API: no route answers without a reviewer's token; approve and reject; the audit trail names
the reviewer; the start-up refuses a real deployment without tokens."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from backend_testkit import ADULT_ID, BACKEND_TOKENS, REVIEWER_TOKENS, SENIOR_ID, FakeClock, Flow
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from backend import audit
from backend.admin_auth import load_reviewers, parse_tokens
from backend.app import create_app
from backend.config import ConfigError, Settings
from backend.models import AuditEvent, Customer

BLOCKED_ID = "500103198008082223"
LI, WANG = "li.reviewer", "wang.reviewer"


def admin_routes() -> list[tuple[str, str]]:
    """Every admin route of the real app, so a route added later is checked without editing this file."""
    app = create_app(
        Settings(
            database_url="sqlite://",
            data_key="A" * 43 + "=",
            admin_tokens=f"x:{'t' * 24}",
            service_tokens=BACKEND_TOKENS,
        )
    )
    return sorted(
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.path.startswith("/admin")
        for method in route.methods
    )


ADMIN_ROUTES = admin_routes()


def auth(reviewer: str = LI) -> dict[str, str]:
    return {"Authorization": f"Bearer {REVIEWER_TOKENS[reviewer]}"}


def in_review(flow: Flow, id_number: str = BLOCKED_ID, name: str = "赵磊", sender: str = "user-1") -> str:
    app_id = flow.complete(id_number, name, sender=sender)
    assert flow.submit(app_id)["status"] == "manual_review"
    return app_id


def test_the_admin_routes_are_found() -> None:
    assert len(ADMIN_ROUTES) >= 4 and ("POST", "/admin/applications/{application_id}/approve") in ADMIN_ROUTES


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-0123456789abcdef"},
        {"Authorization": f"Bearer {REVIEWER_TOKENS[LI]}x"},
        {"Authorization": f"Bearer {REVIEWER_TOKENS[LI][:-1]}"},
        {"Authorization": f"Basic {REVIEWER_TOKENS[LI]}"},
        {"Authorization": REVIEWER_TOKENS[LI]},
        {"Authorization": "Bearer "},
        {"X-Admin-Token": REVIEWER_TOKENS[LI]},
    ],
    ids=["missing", "wrong", "longer", "shorter", "basic", "no-scheme", "empty", "other-header"],
)
@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES, ids=[f"{m} {p}" for m, p in ADMIN_ROUTES])
def test_every_admin_route_refuses_without_a_valid_token(
    flow: Flow, method: str, path: str, headers: dict[str, str]
) -> None:
    app_id = in_review(flow)
    response = flow.client.request(
        method, path.replace("{application_id}", app_id), headers=headers, json={"note": "ok"}
    )
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "unauthorized" and response.headers["www-authenticate"] == "Bearer"
    with flow.client.app.state.services.db.session() as session:
        assert not session.query(AuditEvent).filter(AuditEvent.type == "application.reviewed").count()
    assert flow.client.get(f"/applications/{app_id}").json()["status"] == "manual_review"


def test_the_queue_lists_and_pages(flow: Flow, clock: FakeClock) -> None:
    blocked = in_review(flow, sender="a")
    clock.advance(minutes=5)  # the queue is oldest first
    senior = flow.until_identity("b", "13912345678")
    flow.identity(senior, SENIOR_ID, "李秀英")
    flow.liveness(senior)
    flow.risk(senior, [4, 4, 4, 4, 4])
    flow.sign(senior)
    flow.card(senior)
    flow.submit(senior)
    approved = flow.complete(ADULT_ID, sender="c", phone="13712345678")
    flow.submit(approved)

    page = flow.client.get("/admin/applications?limit=1", headers=auth()).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (2, 1, 0, 1)
    first = page["items"][0]
    assert first["id"] == blocked and first["reason_codes"] == ["blocked_list"]
    assert first["name_masked"] == "赵*" and first["id_masked"] == "5001**********2223"
    second = flow.client.get("/admin/applications?limit=1&offset=1", headers=auth()).json()["items"]
    assert [i["id"] for i in second] == [senior] and second[0]["reason_codes"] == ["suitability_senior_level"]
    done = flow.client.get("/admin/applications?status=approved", headers=auth()).json()
    assert [i["id"] for i in done["items"]] == [approved]
    bad = flow.client.get("/admin/applications?status=everything", headers=auth())
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_request"
    assert flow.client.get("/admin/applications?limit=0", headers=auth()).status_code == 422


def test_the_detail_is_masked_with_reasons_and_audit(flow: Flow) -> None:
    app_id = in_review(flow)
    detail = flow.client.get(f"/admin/applications/{app_id}", headers=auth()).json()
    assert detail["reasons"] == [{"code": "blocked_list", "text": "申请人命中风险名单，需人工复核。"}]
    assert detail["phone_masked"] == "138****5678" and detail["card_masked"].endswith("0128")
    assert detail["risk_answers"] == [3, 3, 2, 3, 2] and detail["risk_level"] == "C3"
    types = [entry["type"] for entry in detail["audit"]]
    assert types[0] == "application.created" and types[-1] == "application.submitted"
    raw = json.dumps(detail, ensure_ascii=False)
    for secret in (BLOCKED_ID, "13812345678", "6222021234567890128", "赵磊"):
        assert secret not in raw
    missing = flow.client.get("/admin/applications/nope", headers=auth())
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_approve_opens_the_account_and_records_the_reviewer(flow: Flow) -> None:
    app_id = in_review(flow)
    response = flow.client.post(
        f"/admin/applications/{app_id}/approve", headers=auth(WANG), json={"note": "核实为同名误报"}
    )
    assert response.status_code == 200, response.text
    decided = response.json()
    assert decided["status"] == "approved" and decided["reviewed_by"] == WANG
    assert decided["review_note"] == "核实为同名误报" and decided["account_masked"]
    entry = decided["audit"][-1]
    assert entry["type"] == "application.reviewed"
    assert entry["details"]["reviewer"] == WANG and entry["details"]["decision"] == "approved"
    assert entry["details"]["note_sha256"] and "核实" not in json.dumps(entry, ensure_ascii=False)
    # As the normal submit path does: a customer row, the account number on the application.
    public = flow.client.get(f"/applications/{app_id}").json()
    assert public["status"] == "approved" and public["account_number"]
    with flow.client.app.state.services.db.session() as session:
        customer = session.query(Customer).one()
        assert customer.application_id == app_id and customer.account_number == public["account_number"]
        assert audit.verify_chain(session) is None
    again = flow.client.post(f"/admin/applications/{app_id}/approve", headers=auth(), json={})
    assert again.status_code == 409 and again.json()["error"] == "not_in_review"


def test_reject_refuses_with_a_note(flow: Flow) -> None:
    app_id = in_review(flow)
    no_note = flow.client.post(f"/admin/applications/{app_id}/reject", headers=auth(), json={})
    assert no_note.status_code == 422
    blank = flow.client.post(f"/admin/applications/{app_id}/reject", headers=auth(), json={"note": "  "})
    assert blank.status_code == 422
    response = flow.client.post(
        f"/admin/applications/{app_id}/reject", headers=auth(), json={"note": "命中制裁名单，拒绝开户"}
    )
    assert response.status_code == 200, response.text
    decided = response.json()
    assert (decided["status"], decided["refusal_reason"], decided["reviewed_by"]) == (
        "refused",
        "review_rejected",
        LI,
    )
    assert decided["audit"][-1]["details"] == {
        "decision": "refused",
        "reviewer": LI,
        "note_sha256": decided["audit"][-1]["details"]["note_sha256"],
    }
    assert flow.client.get(f"/applications/{app_id}").json()["status"] == "refused"
    with flow.client.app.state.services.db.session() as session:
        assert session.query(Customer).count() == 0
    late = flow.client.post(f"/admin/applications/{app_id}/approve", headers=auth(), json={})
    assert late.status_code == 409


def test_a_duplicate_cannot_be_approved_into_a_second_account(flow: Flow) -> None:
    first = flow.complete(sender="a", phone="13812345678")
    second = flow.complete(sender="b", phone="13912345678")
    flow.submit(first)
    assert flow.submit(second)["status"] == "manual_review"
    response = flow.client.post(f"/admin/applications/{second}/approve", headers=auth(), json={})
    assert response.status_code == 409 and response.json()["error"] == "already_customer"
    assert flow.client.get(f"/applications/{second}").json()["status"] == "manual_review"


def test_an_application_not_in_review_cannot_be_decided(flow: Flow) -> None:
    app_id = flow.create()
    response = flow.client.post(f"/admin/applications/{app_id}/reject", headers=auth(), json={"note": "x"})
    assert response.status_code == 409 and response.json()["status"] == "in_progress"


def test_the_deletion_erases_the_review_note(flow: Flow) -> None:
    app_id = in_review(flow)
    flow.client.post(f"/admin/applications/{app_id}/reject", headers=auth(), json={"note": "赵磊本人来电"})
    flow.client.delete(f"/applications/{app_id}")
    detail = flow.client.get(f"/admin/applications/{app_id}", headers=auth()).json()
    assert detail["review_note"] is None and detail["reviewed_by"] == LI


def test_real_mode_refuses_to_start_without_tokens(tmp_path: Path) -> None:
    real = Settings(
        database_url=f"sqlite:///{tmp_path / 'b.db'}", sandbox_mode=False, data_key="A" * 43 + "="
    )
    with pytest.raises(ConfigError, match="ADMIN_TOKENS"):
        create_app(real)
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# reviewers\n{LI}:{REVIEWER_TOKENS[LI]}\n", encoding="utf-8")
    assert (
        load_reviewers(real.with_overrides(admin_tokens_file=str(tokens))).identify(REVIEWER_TOKENS[LI]) == LI
    )
    with pytest.raises(ConfigError, match="cannot be read"):
        load_reviewers(real.with_overrides(admin_tokens_file=str(tmp_path / "missing")))


def test_sandbox_generates_a_token_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "var" / "admin_tokens"
    sandbox = Settings(admin_token_file=str(path))
    with caplog.at_level(logging.WARNING):
        reviewers = load_reviewers(sandbox)
    assert "generated a sandbox admin token" in caplog.text and oct(path.stat().st_mode)[-3:] == "600"
    reviewer, token = path.read_text().strip().split(":")
    assert reviewers.identify(token) == reviewer == "sandbox-reviewer"
    assert load_reviewers(sandbox).identify(token) == reviewer  # kept, not regenerated


@pytest.mark.parametrize(
    "text",
    ["", "alice", "alice:short", "bad name:" + "t" * 24, f"a:{'t' * 24},b:{'t' * 24}"],
    ids=["empty", "no-token", "short", "bad-name", "shared"],
)
def test_weak_or_malformed_tokens_are_refused(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_tokens(text, "ADMIN_TOKENS")


def test_the_token_settings_come_from_the_environment() -> None:
    settings = Settings.from_env({"ADMIN_TOKENS": f"{LI}:{REVIEWER_TOKENS[LI]}", "ADMIN_TOKENS_FILE": "x"})
    assert settings.admin_tokens == f"{LI}:{REVIEWER_TOKENS[LI]}" and settings.admin_tokens_file == "x"


def test_the_openapi_declares_bearer_auth(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert spec["paths"]["/admin/applications"]["get"]["security"] == [{"HTTPBearer": []}]


def test_the_openapi_says_which_fields_may_be_null(client: TestClient) -> None:
    # pydantic v1 leaves `X | None` as X; backend/openapi.py documents the null, so responses match the spec.
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    consent = schemas["ApplicationOut"]["properties"]["consent"]
    assert consent == {"anyOf": [{"type": "boolean"}, {"type": "null"}], "title": "Consent"}
    assert schemas["ApplicationOut"]["properties"]["status"]["type"] == "string"  # never null: unchanged
    note = schemas["ApproveIn"]["properties"]["note"]["anyOf"]
    assert note[1] == {"type": "null"} and note[0]["maxLength"] == 1000
    assert {"type": "null"} in schemas["ReviewDetailOut"]["properties"]["reviewed_at"]["anyOf"]


def test_the_token_is_checked_before_the_request_is_validated(flow: Flow) -> None:
    # An unauthenticated caller learns nothing about the API from validation messages.
    assert flow.client.get("/admin/applications?status=bogus&limit=-1").status_code == 401
    assert flow.client.post("/admin/applications/x/reject", content=b"not json").status_code == 401
