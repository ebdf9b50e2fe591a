"""Progress through the five stages, from the one flow table (data/flow.yml): which step an application is
at, and the stage a step belongs to. The dialogue reads the same table (GET /flow)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from backend.content import load_yaml
from backend.models import Application

IN_PROGRESS = "in_progress"


@cache
def stage_of() -> dict[str, int]:
    """Step name -> stage (1-5), in the flow's order."""
    return {step: int(stage["stage"]) for stage in load_yaml("flow.yml")["stages"] for step in stage["steps"]}


def _identity(application: Application) -> bool:
    return application.identity_verified_at is not None


# What completes each step, as the application records it. "done" is never done: it is where a finished
# application stands, not work to do.
_DONE: dict[str, Callable[[Application], bool]] = {
    "consent": lambda a: a.consent is True,
    "phone": lambda a: a.phone_masked is not None,
    "sms_code": lambda a: a.phone_verified_at is not None,
    "name": _identity,
    "id_number": _identity,
    "liveness": lambda a: a.liveness_status == "passed",
    "risk_q": lambda a: a.risk_level is not None,
    "agreement": lambda a: a.agreement_signed_at is not None,
    "bank_card": lambda a: a.bank_binding is not None,
    "review": lambda a: a.status != IN_PROGRESS,
    "done": lambda a: False,
}


def missing_steps(application: Application) -> list[str]:
    """The steps before submission still to do, in order."""
    return [step for step in stage_of() if step not in ("review", "done") and not _DONE[step](application)]


def next_step(application: Application) -> str | None:
    """The first step still to do; None when the application is no longer in progress."""
    if application.status != IN_PROGRESS:
        return None
    return next(step for step in stage_of() if not _DONE[step](application))


def progress_rank(application: Application) -> int:
    """How far the application got: resuming prefers the furthest one."""
    return sum(_DONE[step](application) for step in stage_of())
