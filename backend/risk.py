"""Suitability scoring: answers (1-4 each) → total → investor category C1..C5, all bands from data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from backend.content import DEFAULT_LANG, load_yaml, pick_text

OPTION_COUNT = 4


class InvalidAnswers(ValueError):
    pass


@dataclass(frozen=True)
class Band:
    level: str
    low: int
    high: int
    names: dict[str, str]


@dataclass(frozen=True)
class Questionnaire:
    version: str
    questions: list[dict[str, Any]]
    bands: list[Band]
    lowest_level: str
    lowest_notice: dict[str, str]


@dataclass(frozen=True)
class RiskResult:
    score: int
    level: str
    level_name: str
    lowest_category: bool
    notice: str | None
    lang: str = DEFAULT_LANG  # the language of level_name and notice


@lru_cache(maxsize=1)
def questionnaire() -> Questionnaire:
    data = load_yaml("risk_questionnaire.yml")
    questions = data["questions"]
    for question in questions:
        if len(question["options"]) != OPTION_COUNT:
            raise ValueError(f"question {question['id']} must have exactly {OPTION_COUNT} options")
    bands = [Band(b["level"], int(b["min"]), int(b["max"]), b["name"]) for b in data["levels"]]
    # A gap or overlap in the bands would silently mis-classify investors: refuse such data at load.
    covered = sorted(score for band in bands for score in range(band.low, band.high + 1))
    if covered != list(range(len(questions), OPTION_COUNT * len(questions) + 1)):
        raise ValueError("risk levels must cover every possible total score exactly once")
    lowest = data["lowest_category"]
    return Questionnaire(str(data["version"]), questions, bands, lowest["level"], lowest["notice"])


def questions_in(lang: str | None) -> dict[str, Any]:
    q = questionnaire()
    complete = lang and all(
        lang in item["text"] and all(lang in option for option in item["options"]) for item in q.questions
    )
    served = lang if complete else DEFAULT_LANG
    return {
        "version": q.version,
        "lang": served,
        "questions": [
            {"id": item["id"], "text": item["text"][served], "options": [o[served] for o in item["options"]]}
            for item in q.questions
        ],
    }


def score(answers: list[int], lang: str | None = DEFAULT_LANG) -> RiskResult:
    q = questionnaire()
    if len(answers) != len(q.questions):
        raise InvalidAnswers(f"expected {len(q.questions)} answers, got {len(answers)}")
    if any(isinstance(a, bool) or not isinstance(a, int) or not 1 <= a <= OPTION_COUNT for a in answers):
        raise InvalidAnswers(f"every answer must be an option number from 1 to {OPTION_COUNT}")
    total = sum(answers)
    band = next(b for b in q.bands if b.low <= total <= b.high)
    lowest = band.level == q.lowest_level
    # One language for the answer: the notice names the level, so the two never differ in language.
    served = lang if lang and lang in band.names and (not lowest or lang in q.lowest_notice) else DEFAULT_LANG
    return RiskResult(
        score=total,
        level=band.level,
        level_name=pick_text(band.names, served)[0],
        lowest_category=lowest,
        notice=pick_text(q.lowest_notice, served)[0] if lowest else None,
        lang=served,
    )
