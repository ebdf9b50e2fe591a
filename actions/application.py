"""The slots that hold an application: filled from the backend's snapshot when an application is resumed,
cleared when it is cancelled or deleted."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.backend_types import Application
from actions.flow import FIRST_STEP, STEPS, stage_of

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


def application_slots(app: Application) -> dict[str, Any]:
    """Slots that reflect a backend application snapshot (used when an application is resumed)."""
    slots: dict[str, Any] = {
        "application_id": app.id,
        "application_status": app.status,
        "risk_level": app.risk_level,
        "account_number": app.account_number,
        "phone_masked": app.phone_masked,
        "id_masked": app.id_masked,
        "card_masked": app.card_masked,
        "bank_name": app.bank_name,
    }
    if app.consent:
        slots["consent"] = True
    if app.phone_verified:
        slots.update(phone_number=app.phone_masked, sms_code="verified")
    if app.identity_verified:
        slots.update(name=app.name, id_number=app.id_masked, id_confirmed=True)
    if app.liveness_passed:
        slots["liveness_passed"] = True
    if app.agreement_signed:
        slots["agreement_signed"] = True
    return slots


async def reset_application_events(tracker: Tracker) -> list[EventType]:
    """Clear what belongs to the previous application (only slots that hold something); the first step
    is shown again."""
    stage = await stage_of(FIRST_STEP)
    fresh: dict[str, Any] = {name: None for name in APPLICATION_SLOTS}
    fresh |= ({"stage": stage} if stage is not None else {}) | {"step": FIRST_STEP, "expects": None}
    return [SlotSet(name, value) for name, value in fresh.items() if tracker.get_slot(name) != value]
