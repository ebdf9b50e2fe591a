"""Progress from the one flow table: every step the dialogue publishes takes its stage from GET /flow."""

from __future__ import annotations

import httpx
import pytest

from actions import backend_api
from actions.flow import DONE_STEP, STEPS, asked_events, current_stage, done_events
from tests.actions.conftest import make_tracker, run, slot_events

PUBLISHED = {
    "consent": (1, "consent", "confirm"),
    "phone_number": (1, "phone", "value"),
    "sms_code": (1, "sms_code", "value"),
    "name": (2, "name", "value"),
    "id_number": (2, "id_number", "value"),
    "id_confirmed": (2, "id_number", "confirm"),
    "liveness_passed": (2, "liveness", "confirm"),
    "risk_answer": (3, "risk_q", "choice"),
    "agreement_signed": (4, "agreement", "confirm"),
    "bank_card": (5, "bank_card", "value"),
    "review_confirmed": (5, "review", "confirm"),
}


def test_every_step_of_the_dialogue_is_in_the_flow_table(backend: httpx.AsyncClient) -> None:
    table = run(backend_api.flow())
    for step in {step.name for step in STEPS.values()} | {DONE_STEP}:
        assert table.stage_of(step) in range(1, 6)


@pytest.mark.parametrize("slot", sorted(PUBLISHED))
def test_a_question_publishes_its_step_and_the_stage_of_the_table(
    backend: httpx.AsyncClient, slot: str
) -> None:
    stage, step, expects = PUBLISHED[slot]
    tracker = make_tracker(slots={"stage": None, "step": None, "expects": None})
    assert slot_events(run(asked_events(tracker, slot))) == {"stage": stage, "step": step, "expects": expects}


def test_risk_questions_are_published_one_by_one_in_stage_3(backend: httpx.AsyncClient) -> None:
    events = run(asked_events(make_tracker(slots={"stage": 2}), "risk_answer", "risk_q2"))
    assert slot_events(events) == {"stage": 3, "step": "risk_q2", "expects": "choice"}


def test_done_and_the_current_stage(backend: httpx.AsyncClient) -> None:
    assert slot_events(run(done_events())) == {"stage": 5, "step": "done", "expects": None}
    assert run(current_stage(make_tracker(active_loop="agreement_form"))) == 4
    finished = make_tracker(
        slots={"consent": True, "sms_code": "verified", "liveness_passed": True, "risk_level": "C3"}
    )
    assert run(current_stage(finished)) == 4  # the first unfinished stage: agreements


def test_without_the_backend_the_stage_shown_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on the discard port: an outage, as the action server would meet it.
    monkeypatch.setattr(backend_api, "_client", httpx.AsyncClient(base_url="http://127.0.0.1:9"))
    monkeypatch.setattr(backend_api, "_cache", {})
    tracker = make_tracker(slots={"stage": 2, "step": "name", "expects": "value"})
    assert slot_events(run(asked_events(tracker, "id_number"))) == {"step": "id_number"}
    assert run(current_stage(make_tracker(slots={"stage": 2}, active_loop="identity_form"))) == 2
