"""Suitability scoring: bands from data, the C1 notice, questionnaire shape, and the API step."""

from __future__ import annotations

import pytest
from backend_testkit import Flow

from backend import risk


def answers_for(total: int) -> list[int]:
    """Five answers (1-4) adding up to `total`."""
    answers, rest = [1] * 5, total - 5
    for i in range(5):
        add = min(3, rest)
        answers[i] += add
        rest -= add
    assert sum(answers) == total
    return answers


@pytest.mark.parametrize(
    ("total", "level", "name"),
    [
        (5, "C1", "保守型"),
        (7, "C1", "保守型"),
        (8, "C2", "谨慎型"),
        (10, "C2", "谨慎型"),
        (11, "C3", "稳健型"),
        (13, "C3", "稳健型"),
        (14, "C4", "积极型"),
        (16, "C4", "积极型"),
        (17, "C5", "激进型"),
        (20, "C5", "激进型"),
    ],
)
def test_band_edges(total: int, level: str, name: str) -> None:
    result = risk.score(answers_for(total))
    assert (result.score, result.level, result.level_name) == (total, level, name)


def test_only_c1_gets_the_lowest_category_notice() -> None:
    c1 = risk.score([1, 2, 1, 2, 1])
    assert c1.lowest_category and c1.notice and "最低类别" in c1.notice
    c2 = risk.score([2, 2, 2, 1, 1])
    assert c2.level == "C2" and not c2.lowest_category and c2.notice is None


@pytest.mark.parametrize("answers", [[], [1, 2, 3, 4], [1, 2, 3, 4, 1, 2], [0, 1, 1, 1, 1], [5, 1, 1, 1, 1]])
def test_invalid_answers(answers: list[int]) -> None:
    with pytest.raises(risk.InvalidAnswers):
        risk.score(answers)


def test_questionnaire_shape() -> None:
    q = risk.questionnaire()
    assert len(q.questions) == 5
    ids = [item["id"] for item in q.questions]
    assert ids == ["experience", "investable_share", "horizon", "goal", "loss_tolerance"]
    for item in q.questions:
        assert set(item["text"]) >= {"zh"}
        assert len(item["options"]) == 4 and all("zh" in option for option in item["options"])
    assert q.version


def test_questionnaire_endpoint_in_tibetan(flow: Flow) -> None:
    body = flow.client.get("/risk/questionnaire?lang=bo").json()
    assert body["lang"] == "bo" and len(body["questions"]) == 5
    assert all(len(question["options"]) == 4 for question in body["questions"])


def test_risk_step(flow: Flow) -> None:
    app_id = flow.until_identity()
    response = flow.client.post(f"/applications/{app_id}/risk", json={"answers": [1, 1, 1, 1, 1]})
    assert response.status_code == 409 and response.json()["error"] == "identity_required"
    flow.identity(app_id)
    bad = flow.client.post(f"/applications/{app_id}/risk", json={"answers": [1, 2, 3]})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_answers" and bad.json()["expected"] == 5
    result = flow.risk(app_id, [1, 1, 2, 1, 1])
    assert result["level"] == "C1" and result["lowest_category"] and result["notice"]
    assert result["application"]["risk_level"] == "C1"
    again = flow.risk(app_id, [4, 4, 4, 4, 4])  # a retake replaces the level
    assert again["level"] == "C5" and again["notice"] is None and again["application"]["risk_level"] == "C5"
