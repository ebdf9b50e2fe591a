"""Compliance at submit through the API: each rule sends the application to manual review with a reason."""

from __future__ import annotations

from backend_testkit import ADULT_ID, SENIOR_ID, Flow

from backend.models import Customer

BLOCKED_ID = "500103198008082223"
REGISTERED_ID, REGISTERED_NAME = "370102198604201531", "王建国"


def test_clean_application_is_approved_with_a_customer_row(flow: Flow) -> None:
    app_id = flow.complete()
    result = flow.submit(app_id)
    assert result["status"] == "approved" and result["application"]["review_reasons"] == []
    with flow.client.app.state.services.db.session() as session:
        customer = session.query(Customer).one()
        assert customer.account_number == result["account_number"] and customer.application_id == app_id
        assert customer.risk_level == "C3" and ADULT_ID not in customer.id_number_enc


def test_blocked_list(flow: Flow) -> None:
    app_id = flow.complete(BLOCKED_ID, "赵磊")
    result = flow.submit(app_id)
    assert result["status"] == "manual_review" and result["account_number"] is None
    assert result["review_reasons"] == ["申请人命中风险名单，需人工复核。"]
    assert result["application"]["review_details"] == [
        {"code": "blocked_list", "text": result["review_reasons"][0]}
    ]
    assert result["application"]["status"] == "manual_review"


def test_duplicate_customer_at_submit(flow: Flow) -> None:
    # Two applications for one person pass identity while neither is approved; the second submit is caught.
    first = flow.complete(sender="phone-a", phone="13812345678")
    second = flow.complete(sender="phone-b", phone="13912345678")
    assert flow.submit(first)["status"] == "approved"
    result = flow.submit(second)
    assert result["status"] == "manual_review"
    assert [r["code"] for r in result["application"]["review_details"]] == ["existing_customer"]
    # After that, the identity step itself refuses the ID.
    third = flow.until_identity("phone-c", "13712345678")
    refused = flow.client.post(
        f"/applications/{third}/identity", json={"name": "张伟", "id_number": ADULT_ID}
    )
    assert refused.status_code == 409 and refused.json()["error"] == "existing_customer"


def test_failed_attempts_across_applications(flow: Flow) -> None:
    first = flow.until_identity("try-1", "13812345678")
    for _ in range(2):
        response = flow.client.post(
            f"/applications/{first}/identity", json={"name": "王建军", "id_number": REGISTERED_ID}
        )
        assert response.json()["error"] == "identity_mismatch"
    flow.post(f"/applications/{first}/cancel")
    second = flow.until_identity("try-2", "13912345678")
    response = flow.client.post(
        f"/applications/{second}/identity", json={"name": "王建", "id_number": REGISTERED_ID}
    )
    assert response.json()["error"] == "identity_mismatch"
    app_id = second
    flow.identity(app_id, REGISTERED_ID, REGISTERED_NAME)
    flow.liveness(app_id)
    flow.risk(app_id)
    flow.sign(app_id)
    flow.card(app_id)
    result = flow.submit(app_id)
    assert result["status"] == "manual_review"
    assert result["review_reasons"] == ["身份核验累计失败3次，需人工复核。"]


def test_manual_review_can_be_cancelled_but_not_resubmitted(flow: Flow) -> None:
    app_id = flow.complete(BLOCKED_ID, "赵磊")
    flow.submit(app_id)
    assert flow.client.post(f"/applications/{app_id}/submit").status_code == 409
    assert flow.post(f"/applications/{app_id}/cancel")["status"] == "cancelled"


def _assessed(flow: Flow, id_number: str, answers: list[int], sender: str = "user-1") -> str:
    app_id = flow.until_identity(sender)
    flow.identity(app_id, id_number, "李秀英")
    flow.liveness(app_id)
    flow.risk(app_id, answers)
    flow.sign(app_id)
    flow.card(app_id)
    return app_id


def test_a_senior_assessed_aggressive_goes_to_review(flow: Flow) -> None:
    result = flow.submit(_assessed(flow, SENIOR_ID, [4, 4, 4, 4, 4]))  # 75 years old, C5
    assert result["status"] == "manual_review" and result["account_number"] is None
    assert [r["code"] for r in result["application"]["review_details"]] == ["suitability_senior_level"]
    assert "C5" in result["review_reasons"][0]


def test_answers_that_contradict_the_level_go_to_review(flow: Flow) -> None:
    # "追求高收益" (goal, option 4) but C2 overall; stored with its parameters, so served in any language.
    app_id = _assessed(flow, ADULT_ID, [1, 1, 1, 4, 1])
    result = flow.post(f"/applications/{app_id}/submit?lang=ug")
    assert [r["code"] for r in result["application"]["review_details"]] == ["suitability_choice_min"]
    assert (
        result["lang"] == "ug" and "C2" in result["review_reasons"][0] and "C3" in result["review_reasons"][0]
    )


def test_a_reassessment_is_what_counts(flow: Flow) -> None:
    app_id = flow.until_identity()
    flow.identity(app_id, SENIOR_ID, "李秀英")
    flow.liveness(app_id)
    flow.risk(app_id, [4, 4, 4, 4, 4])
    flow.risk(app_id, [2, 2, 2, 2, 2])  # C2 replaces C5
    flow.sign(app_id)
    flow.card(app_id)
    assert flow.submit(app_id)["status"] == "approved"
