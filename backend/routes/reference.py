"""Read-only texts and checks: the flow's stages, the notice, the questionnaire, the agreements, the ID
pre-check."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend import content, progress, risk
from backend.routes import ACTIONS, errors, get_lang, get_services
from backend.schemas import AgreementsOut, FlowOut, IdNumberIn, IdValidOut, NoticeOut, QuestionnaireOut
from backend.services import Services
from backend.services.identity import check_id_number

router = APIRouter(tags=["reference"], route_class=ACTIONS)


@router.get("/flow", response_model=FlowOut)
def flow() -> FlowOut:
    """The five stages and their steps, in order: one source for progress (data/flow.yml)."""
    stages: dict[int, list[str]] = {}
    for step, stage in progress.stage_of().items():
        stages.setdefault(stage, []).append(step)
    return FlowOut(stages=[{"stage": stage, "steps": steps} for stage, steps in stages.items()])


@router.get("/notices/current", response_model=NoticeOut, responses=errors(422))
def current_notice(lang: str = Depends(get_lang)) -> NoticeOut:
    return NoticeOut(**content.notice(lang))


@router.get("/risk/questionnaire", response_model=QuestionnaireOut, responses=errors(422))
def questionnaire(lang: str = Depends(get_lang)) -> QuestionnaireOut:
    return QuestionnaireOut(**risk.questions_in(lang))


@router.get("/agreements", response_model=AgreementsOut, responses=errors(422))
def agreements(lang: str = Depends(get_lang)) -> AgreementsOut:
    return AgreementsOut(**content.agreements(lang))


@router.post("/validate/id_number", response_model=IdValidOut, responses=errors(422))
def validate_id_number(body: IdNumberIn, ctx: Services = Depends(get_services)) -> IdValidOut:
    return check_id_number(ctx, body.id_number)
