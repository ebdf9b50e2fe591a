"""Identity and the checks around it: age, existing customers, sandbox mismatches, liveness, bank card."""

from __future__ import annotations

from backend_testkit import ADULT_ID, MINOR_ID, TURNS_18_TODAY, Flow

from backend.models import Application

REGISTERED_ID, REGISTERED_NAME = "370102198604201531", "王建国"
MISMATCH_ID = "420106199101012346"
LIVENESS_FAIL_ID = "430102198707078907"
EXISTING_ID = "210102197503031116"
HOLDER_MISMATCH_CARD = "6222029876543210987"


def identity(flow: Flow, app_id: str, id_number: str, name: str = "李娜"):
    return flow.client.post(f"/applications/{app_id}/identity", json={"name": name, "id_number": id_number})


def test_minor_is_refused_and_id_not_kept(flow: Flow) -> None:
    app_id = flow.until_identity()
    response = identity(flow, app_id, MINOR_ID)
    assert response.status_code == 403 and response.json()["error"] == "underage"
    snap = flow.client.get(f"/applications/{app_id}").json()
    assert snap["status"] == "refused" and snap["refusal_reason"] == "underage" and snap["id_masked"] is None
    with flow.client.app.state.services.db.session() as session:
        row = session.get(Application, app_id)
        assert row.id_number_enc is None and row.id_number_hmac is None


def test_eighteenth_birthday_is_enough(flow: Flow) -> None:
    app_id = flow.until_identity()
    snap = flow.identity(app_id, TURNS_18_TODAY, "刘洋")
    assert snap["age"] == 18 and snap["identity_verified"]


def test_invalid_id_and_name(flow: Flow) -> None:
    app_id = flow.until_identity()
    bad = identity(flow, app_id, ADULT_ID[:17] + "0")
    assert bad.status_code == 422 and bad.json() == {
        "error": "invalid_id",
        "message": "The ID number is not valid (checksum).",
        "reason": "checksum",
    }
    for name in ["张", "Zhang Wei", "张伟1", ""]:
        response = identity(flow, app_id, ADULT_ID, name)
        assert response.status_code == 422 and response.json()["error"] == "invalid_name", name
    assert flow.client.get(f"/applications/{app_id}").json()["status"] == "in_progress"


def test_minority_names_are_accepted(flow: Flow) -> None:
    app_id = flow.until_identity()
    assert flow.identity(app_id, ADULT_ID, "阿依古丽•买买提")["name"] == "阿依古丽·买买提"


def test_existing_customer(flow: Flow) -> None:
    app_id = flow.until_identity()
    response = identity(flow, app_id, EXISTING_ID)
    assert response.status_code == 409 and response.json()["error"] == "existing_customer"
    assert response.json()["manual_review"] is False, "the first time, it may be a mistyped number"
    assert flow.client.get(f"/applications/{app_id}").json()["status"] == "in_progress"
    # A different, correct number still goes through.
    assert flow.identity(app_id, ADULT_ID, "李娜")["identity_verified"]


def test_existing_customer_twice_goes_to_a_person(flow: Flow) -> None:
    app_id = flow.until_identity()
    identity(flow, app_id, EXISTING_ID)
    again = identity(flow, app_id, EXISTING_ID)
    assert again.status_code == 409 and again.json()["manual_review"] is True
    snap = flow.client.get(f"/applications/{app_id}").json()
    assert snap["status"] == "manual_review"
    assert [r["code"] for r in snap["review_details"]] == ["existing_customer"]


def test_cancel_records_the_customers_reason(flow: Flow) -> None:
    app_id = flow.until_identity()
    snap = flow.post(f"/applications/{app_id}/cancel?reason=agreement_declined")
    assert snap["status"] == "cancelled"
    with flow.client.app.state.services.db.session() as session:
        assert session.get(Application, app_id).cancel_reason == "agreement_declined"
    other = flow.until_identity("user-2", "13912345678")
    refused = flow.client.post(f"/applications/{other}/cancel?reason=because")
    assert refused.status_code == 422


def test_mismatch_attempts_then_manual_review(flow: Flow) -> None:
    app_id = flow.until_identity()
    for left in (2, 1):
        response = identity(flow, app_id, MISMATCH_ID)
        assert response.status_code == 422
        assert response.json()["error"] == "identity_mismatch" and response.json()["attempts_left"] == left
    third = identity(flow, app_id, MISMATCH_ID)
    assert third.status_code == 429 and third.json()["error"] == "too_many_attempts"
    snap = flow.client.get(f"/applications/{app_id}").json()
    assert snap["status"] == "manual_review"
    assert snap["review_details"][0]["code"] == "failed_attempts" and "3次" in snap["review_reasons"][0]


def test_registered_name_must_match(flow: Flow) -> None:
    app_id = flow.until_identity()
    assert identity(flow, app_id, REGISTERED_ID, "王建军").json()["error"] == "identity_mismatch"
    assert flow.identity(app_id, REGISTERED_ID, REGISTERED_NAME)["identity_verified"]


def test_liveness_failure(flow: Flow) -> None:
    app_id = flow.until_identity()
    flow.identity(app_id, LIVENESS_FAIL_ID, "陈静")
    result = flow.liveness(app_id)
    assert result["passed"] is False and result["status"] == "failed"
    assert (
        result["application"]["liveness_passed"] is False and result["application"]["next_step"] == "liveness"
    )
    assert flow.liveness(app_id)["passed"] is False  # a new session fails again


def test_new_identity_resets_liveness(flow: Flow) -> None:
    app_id = flow.until_identity()
    flow.identity(app_id)
    assert flow.liveness(app_id)["passed"]
    snap = flow.identity(app_id, TURNS_18_TODAY, "刘洋")
    assert snap["liveness_passed"] is False and snap["next_step"] == "liveness"


def test_bank_card_checks(flow: Flow) -> None:
    app_id = flow.until_identity()
    flow.identity(app_id)
    flow.liveness(app_id)
    flow.risk(app_id)
    flow.sign(app_id)
    url = f"/applications/{app_id}/bank_card"
    for card, reason in [
        ("6222", "format"),
        ("6222021234567890127", "luhn"),
        ("1234567890123452", "unknown_bin"),
    ]:
        response = flow.client.post(url, json={"card_number": card})
        assert response.status_code == 422 and response.json()["error"] == "invalid_card"
        assert response.json()["reason"] == reason
    mismatch = flow.client.post(url, json={"card_number": HOLDER_MISMATCH_CARD})
    assert mismatch.status_code == 422 and mismatch.json()["error"] == "holder_mismatch"
    assert flow.client.get(f"/applications/{app_id}").json()["card_masked"] is None
    first = flow.card(app_id, "6225880123456783")
    assert first["bank_name"] == "招商银行"
    second = flow.card(app_id, "6217001234567890122")  # changing the card replaces the binding
    assert (
        second["bank_name"] == "中国建设银行"
        and second["application"]["card_masked"] == "6217 **** **** 0122"
    )


def test_a_liveness_session_has_one_outcome_on_every_replica() -> None:
    """Started on one backend replica, checked on another: the sandbox keeps nothing in one process."""
    from backend.providers.sandbox import SandboxLivenessProvider

    first, second = SandboxLivenessProvider(), SandboxLivenessProvider()
    passing = first.start("app_1", "李娜", ADULT_ID).session_id
    failing = first.start("app_2", "李娜", LIVENESS_FAIL_ID).session_id
    assert (second.check(passing), second.check(failing)) == ("passed", "failed")
    assert second.check("sbx_live_madeup") == "failed"
