"""The dialogue's side of the five stages: which form slot asks which step, and what its question expects.

The stage of every step comes from the backend's flow table (`GET /flow`, backend/data/flow.yml), the one
source of progress. `stage`, `step` and `expects` (shown by the gateway as `state`) are published when a
question is asked, so the progress bar can never disagree with the dialogue or the backend.
"""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions import backend_api


@dataclass(frozen=True)
class Step:
    name: str  # step name from shared/design/flow.md and the flow table
    form: str
    expects: str  # "value" | "confirm" | "choice"


STAGE_FORMS = ["phone_form", "identity_form", "risk_form", "agreement_form", "bank_form"]

# form slot -> step; the order inside a form is the form's required_slots order in bot/domain.
STEPS: dict[str, Step] = {
    "consent": Step("consent", "phone_form", "confirm"),
    "phone_number": Step("phone", "phone_form", "value"),
    "sms_code": Step("sms_code", "phone_form", "value"),
    "name": Step("name", "identity_form", "value"),
    "id_number": Step("id_number", "identity_form", "value"),
    "id_confirmed": Step("id_number", "identity_form", "confirm"),
    "liveness_passed": Step("liveness", "identity_form", "confirm"),
    "risk_answer": Step("risk_q", "risk_form", "choice"),  # published as risk_q1 … risk_qN
    "agreement_signed": Step("agreement", "agreement_form", "confirm"),
    "bank_card": Step("bank_card", "bank_form", "value"),
    "review_confirmed": Step("review", "bank_form", "confirm"),
}
FIRST_STEP = STEPS["consent"].name
DONE_STEP = "done"

FINAL_STATUSES = {"approved", "manual_review"}
CLOSED_STATUSES = {"refused", "cancelled", "deleted"}


async def stage_of(step: str) -> int | None:
    """The stage the flow table gives a step; None while the backend cannot be reached (the stage shown
    then stays as it was)."""
    table = await backend_api.or_none(backend_api.flow())
    return table.stage_of(step) if table else None


async def state_events(
    tracker: Tracker, step: str, expects: str | None, published: str | None = None
) -> list[EventType]:
    """Slot events that publish the step being asked (`published` names it when the table's name is one of
    a series: risk_q3 for risk_q).

    Only changed values are sent: every event is stored and replayed on each turn.
    """
    stage = await stage_of(step)
    wanted = {"stage": stage} if stage is not None else {}
    wanted |= {"step": published or step, "expects": expects}
    return [SlotSet(name, value) for name, value in wanted.items() if tracker.get_slot(name) != value]


async def asked_events(tracker: Tracker, slot: str, published: str | None = None) -> list[EventType]:
    """The state a form slot's question publishes."""
    step = STEPS[slot]
    return await state_events(tracker, step.name, step.expects, published)


async def done_events() -> list[EventType]:
    """The application is submitted: the last step, whatever was shown before."""
    stage = await stage_of(DONE_STEP)
    return ([SlotSet("stage", stage)] if stage is not None else []) + [
        SlotSet("step", DONE_STEP),
        SlotSet("expects", None),
    ]


def form_slots(form: str) -> list[str]:
    return [slot for slot, step in STEPS.items() if step.form == form]


def stage_complete(form: str, tracker: Tracker) -> bool:
    slot = tracker.get_slot
    if form == "phone_form":
        return slot("sms_code") is not None and slot("consent") is True
    if form == "identity_form":
        return slot("liveness_passed") is True
    if form == "risk_form":
        return slot("risk_level") is not None
    if form == "agreement_form":
        return slot("agreement_signed") is True
    return slot("application_status") in FINAL_STATUSES


def next_form(tracker: Tracker) -> str | None:
    """The first stage that still has work to do, or None when everything is submitted."""
    return next((form for form in STAGE_FORMS if not stage_complete(form, tracker)), None)


async def current_stage(tracker: Tracker) -> int:
    """The stage the user is at: the active stage form's, else the first unfinished one's."""
    form = tracker.active_loop.get("name") if tracker.active_loop else None
    if form not in STAGE_FORMS:
        form = next_form(tracker)
    step = STEPS[form_slots(form)[0]].name if form else DONE_STEP
    stage = await stage_of(step)
    return stage if stage is not None else int(tracker.get_slot("stage"))
