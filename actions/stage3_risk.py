"""Stage 3: the suitability questionnaire, one question per turn, scored by the backend."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import backend_api
from actions.asking import AskAction
from actions.backend_types import Question
from actions.conversation import language
from actions.failures import reject
from actions.parsing import option_answer
from actions.validation import StageValidation

LETTERS = "ABCD"


async def questionnaire(tracker: Tracker) -> list[Question]:
    return (await backend_api.questionnaire(language(tracker))).questions


def answers_so_far(tracker: Tracker) -> list[int]:
    return list(tracker.get_slot("risk_answers") or [])


class AskRiskAnswer(AskAction):
    slot = "risk_answer"

    async def template_values(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        questions = await questionnaire(tracker)
        index = min(len(answers_so_far(tracker)), len(questions) - 1)
        question = questions[index]
        options = "\n".join(f"{LETTERS[i]}. {text}" for i, text in enumerate(question.options))
        return {
            "index": index + 1,
            "total": len(questions),
            "question": question.text,
            "options": options,
            "_choices": question.options,
        }

    def buttons(self, values: dict[str, Any]) -> list[dict[str, str]]:
        return [
            {"title": f"{LETTERS[i]}. {text}", "payload": f'/inform{{"option": "{i + 1}"}}'}
            for i, text in enumerate(values.pop("_choices"))
        ]

    def step_name(self, tracker: Tracker) -> str:
        return f"risk_q{len(answers_so_far(tracker)) + 1}"


class ValidateRiskForm(StageValidation):
    def name(self) -> str:
        return "validate_risk_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # The same slot is asked once per question until every question has an answer.
        done = tracker.get_slot("risk_level") is not None
        return (
            [] if done or len(answers_so_far(tracker)) >= len(await questionnaire(tracker)) else domain_slots
        )

    async def validate_risk_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        questions = await questionnaire(tracker)
        answers = answers_so_far(tracker)
        choice = option_answer(str(value), questions[len(answers)].options)
        if choice is None or not 1 <= choice <= 4:
            return reject(dispatcher, tracker, "risk_answer", "utter_invalid_option")
        answers.append(choice)
        if len(answers) < len(questions):
            return {"risk_answer": None, "risk_answers": answers}
        result = await backend_api.score_risk(self.app_id(tracker), answers, language(tracker))
        dispatcher.utter_message(
            response="utter_risk_result", risk_level=result.level, level_name=result.level_name
        )
        if result.notice:
            dispatcher.utter_message(response="utter_risk_notice", notice=result.notice)
        return {"risk_answer": choice, "risk_answers": answers, "risk_level": result.level}
