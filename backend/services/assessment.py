"""Stage 3: the suitability questionnaire's answers, scored into an investor category."""

from __future__ import annotations

from backend import risk
from backend.content import DEFAULT_LANG
from backend.db import to_db
from backend.errors import ApiError
from backend.models import RiskAssessment
from backend.schemas import RiskOut
from backend.services.application_state import load, require_in_progress, snapshot, touch
from backend.services.context import Services


def assess(ctx: Services, application_id: str, answers: list[int], lang: str = DEFAULT_LANG) -> RiskOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        if application.identity_verified_at is None:
            raise ApiError(409, "identity_required", "The identity step comes first.")
        try:
            result = risk.score(answers, lang)
        except risk.InvalidAnswers as exc:
            count = len(risk.questionnaire().questions)
            raise ApiError(
                422, "invalid_answers", str(exc), expected=count, options=risk.OPTION_COUNT
            ) from exc
        version = risk.questionnaire().version
        tx.session.add(
            RiskAssessment(
                application_id=application.id,
                questionnaire_version=version,
                answers=list(answers),
                score=result.score,
                level=result.level,
                created_at=to_db(tx.now),
            )
        )
        application.risk_level = result.level
        touch(application, tx.now)
        tx.audit("risk.assessed", application.id, score=result.score, level=result.level, version=version)
        return RiskOut(
            score=result.score,
            level=result.level,
            level_name=result.level_name,
            lowest_category=result.lowest_category,
            notice=result.notice,
            application=snapshot(application, lang),
            lang=result.lang,
        )
