"""The five stages and their steps: the one table that maps form slots to what the user sees.

`stage`, `step` and `expects` (shown by the gateway as `state`) are derived from this table when a
question is asked, so the progress bar can never disagree with the dialogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet


@dataclass(frozen=True)
class Step:
    name: str  # step name from shared/design/flow.md
    stage: int
    form: str
    expects: str  # "value" | "confirm" | "choice"


STAGE_FORMS = ["phone_form", "identity_form", "risk_form", "agreement_form", "bank_form"]

# form slot -> step; the order inside a form is the form's required_slots order in bot/domain.
STEPS: dict[str, Step] = {
    "consent": Step("consent", 1, "phone_form", "confirm"),
    "phone_number": Step("phone", 1, "phone_form", "value"),
    "sms_code": Step("sms_code", 1, "phone_form", "value"),
    "name": Step("name", 2, "identity_form", "value"),
    "id_number": Step("id_number", 2, "identity_form", "value"),
    "id_confirmed": Step("id_number", 2, "identity_form", "confirm"),
    "liveness_passed": Step("liveness", 2, "identity_form", "confirm"),
    "risk_answer": Step("risk_q", 3, "risk_form", "choice"),
    "agreement_signed": Step("agreement", 4, "agreement_form", "confirm"),
    "bank_card": Step("bank_card", 5, "bank_form", "value"),
    "review_confirmed": Step("review", 5, "bank_form", "confirm"),
}

FINAL_STATUSES = {"approved", "manual_review"}
CLOSED_STATUSES = {"refused", "cancelled", "deleted"}


def form_slots(form: str) -> list[str]:
    return [slot for slot, step in STEPS.items() if step.form == form]


def state_events(tracker: Tracker, slot: str, step_name: str | None = None) -> list[EventType]:
    """Slot events that publish the step being asked (`step_name` overrides, e.g. risk_q3).

    Only changed values are sent: every event is stored and replayed on each turn.
    """
    step = STEPS[slot]
    wanted = {"stage": step.stage, "step": step_name or step.name, "expects": step.expects}
    return [SlotSet(name, value) for name, value in wanted.items() if tracker.get_slot(name) != value]


def done_events() -> list[EventType]:
    return [SlotSet("stage", 5), SlotSet("step", "done"), SlotSet("expects", None)]


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


def current_stage(tracker: Tracker) -> int:
    form = tracker.active_loop.get("name") if tracker.active_loop else None
    if form in STAGE_FORMS:
        return STAGE_FORMS.index(form) + 1
    pending = next_form(tracker)
    return STAGE_FORMS.index(pending) + 1 if pending else 5


# Slots that belong to an application; cleared when it is cancelled or deleted.
APPLICATION_SLOTS = [
    *STEPS,
    "risk_answers",
    "application_id",
    "application_status",
    "risk_level",
    "account_number",
    "phone_masked",
    "id_masked",
    "card_masked",
    "bank_name",
    "failed_attempts",
]


def reset_application_events(tracker: Tracker) -> list[EventType]:
    """Clear what belongs to the previous application (only slots that hold something)."""
    fresh = {name: None for name in APPLICATION_SLOTS} | {"stage": 1, "step": "consent", "expects": None}
    return [SlotSet(name, value) for name, value in fresh.items() if tracker.get_slot(name) != value]
