"""Compliance rules, as data (data/compliance.yml): age, duplicate customer, blocked list, failed attempts,
suitability mismatches (the assessed level against the account type, the applicant's age, their own answers).

`evaluate` is pure: the services gather the facts, this module decides. Every hit comes back as a reason
with a stable code (for the dialogue) and a Chinese text (for the reviewer and the customer). The reason is
stored with its parameters, so that `localized_reasons` can give the customer its text in their language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from backend.config import ConfigError, Settings
from backend.content import DEFAULT_LANG, load_yaml, pick_text
from backend.risk import OPTION_COUNT, questionnaire


@dataclass(frozen=True)
class Reason:
    code: str
    text: str  # in zh: what the reviewer reads and the application keeps
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, "params": dict(self.params)}


@dataclass(frozen=True)
class Facts:
    age: int
    existing_customer: bool
    blocked: bool
    failed_attempts: int
    risk_level: str | None = None
    risk_answers: tuple[int, ...] = ()


@dataclass(frozen=True)
class StatedChoice:
    """Answer `answer` to question `question` requires a level of at least min_level / at most max_level."""

    question: str
    answer: int
    min_level: str | None = None
    max_level: str | None = None


@dataclass(frozen=True)
class Suitability:
    levels: tuple[str, ...]  # lowest first, from the questionnaire's bands
    questions: tuple[str, ...]  # question ids in the questionnaire's order
    account_min_level: str
    senior_age: int
    senior_max_level: str
    stated_choices: tuple[StatedChoice, ...]

    def rank(self, level: str) -> int:
        return self.levels.index(level)


@dataclass(frozen=True)
class Rules:
    version: str
    min_age: int
    identity_mismatch_limit: int
    failed_attempts_threshold: int
    existing_customer_limit: int
    blocked_ids: frozenset[str]
    blocked_phones: frozenset[str]
    texts: dict[str, dict[str, str]]
    suitability: Suitability

    def reason(self, code: str, lang: str | None = DEFAULT_LANG, **params: Any) -> Reason:
        params = {"min_age": self.min_age, **params}
        text, _ = pick_text(self.texts[code], lang)
        return Reason(code, text.format(**params), params)


def _listed_file(settings: Settings, path_setting: str | None, variable: str, what: str) -> set[str]:
    """An operator's YAML list (a real blocked list), or nothing when the variable is unset."""
    if not path_setting:
        return set()
    path = settings.resolve_path(path_setting)
    try:
        listed = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except OSError as exc:
        raise ConfigError(f"{variable} cannot be read: {path}") from exc
    if not isinstance(listed, list):
        raise ConfigError(f"{variable} must hold a YAML list of {what}")
    return {str(i).upper() for i in listed}


def load_rules(
    settings: Settings, extra_blocked: Iterable[str] = (), extra_blocked_phones: Iterable[str] = ()
) -> Rules:
    data = load_yaml("compliance.yml")

    def listed(key: str, extra: Iterable[str]) -> set[str]:
        return {str(i).upper() for i in data.get(key) or []} | {str(i).upper() for i in extra}

    blocked = listed("blocked_ids", extra_blocked) | _listed_file(
        settings, settings.blocked_list_file, "BLOCKED_LIST_FILE", "ID numbers"
    )
    blocked_phones = listed("blocked_phones", extra_blocked_phones) | _listed_file(
        settings, settings.blocked_phones_file, "BLOCKED_PHONES_FILE", "phone numbers"
    )
    return Rules(
        version=str(data["version"]),
        min_age=int(data["min_age"]),
        identity_mismatch_limit=int(data["identity_mismatch_limit"]),
        failed_attempts_threshold=int(data["failed_attempts_threshold"]),
        existing_customer_limit=int(data["existing_customer_limit"]),
        blocked_ids=frozenset(blocked),
        blocked_phones=frozenset(blocked_phones),
        texts=data["reasons"],
        suitability=_suitability(data["suitability"]),
    )


def _suitability(data: dict[str, Any]) -> Suitability:
    q = questionnaire()
    levels = tuple(band.level for band in q.bands)
    questions = tuple(item["id"] for item in q.questions)
    rules = Suitability(
        levels=levels,
        questions=questions,
        account_min_level=str(data["account_min_level"]),
        senior_age=int(data["senior_age"]),
        senior_max_level=str(data["senior_max_level"]),
        stated_choices=tuple(StatedChoice(**choice) for choice in data.get("stated_choices") or []),
    )
    # A typo in the data would make a rule never fire: refuse it at start instead.
    named = [rules.account_min_level, rules.senior_max_level]
    for choice in rules.stated_choices:
        named += [level for level in (choice.min_level, choice.max_level) if level is not None]
        if choice.question not in questions or not 1 <= choice.answer <= OPTION_COUNT:
            raise ConfigError(f"compliance.yml: no answer {choice.answer} to question {choice.question!r}")
        if choice.min_level is None and choice.max_level is None:
            raise ConfigError(f"compliance.yml: stated choice {choice.question} needs min_level or max_level")
    unknown = sorted(set(named) - set(levels))
    if unknown:
        raise ConfigError(f"compliance.yml: unknown risk levels {unknown}; levels are {list(levels)}")
    return rules


def localized_reasons(stored: list[dict[str, Any]], lang: str | None) -> tuple[list[dict[str, str]], str]:
    """Stored reasons ({code, text, params}) as {code, text} in `lang`, and the language served.

    zh is the stored text itself (the record). Another language is rendered from compliance.yml; all the
    reasons are served in one language, so when one cannot be (no translation, or a reason stored before
    its parameters were kept) they all keep the stored zh text.
    """
    plain = [{"code": r["code"], "text": r["text"]} for r in stored]
    if not lang or lang == DEFAULT_LANG or not stored:
        return plain, DEFAULT_LANG
    texts = load_yaml("compliance.yml")["reasons"]
    rendered = []
    for reason in stored:
        template = texts.get(reason["code"], {}).get(lang)
        if template is None:
            return plain, DEFAULT_LANG
        try:
            rendered.append({"code": reason["code"], "text": template.format(**(reason.get("params") or {}))})
        except (KeyError, IndexError):
            return plain, DEFAULT_LANG
    return rendered, lang


def evaluate(facts: Facts, rules: Rules) -> list[Reason]:
    """All rules run, so a reviewer sees every reason at once, not just the first."""
    reasons = []
    if facts.age < rules.min_age:
        reasons.append(rules.reason("underage"))
    if facts.existing_customer:
        reasons.append(rules.reason("existing_customer"))
    if facts.blocked:
        reasons.append(rules.reason("blocked_list"))
    if facts.failed_attempts >= rules.failed_attempts_threshold:
        reasons.append(rules.reason("failed_attempts", count=facts.failed_attempts))
    return reasons + suitability_mismatches(facts, rules)


def suitability_mismatches(facts: Facts, rules: Rules) -> list[Reason]:
    s = rules.suitability
    if facts.risk_level is None:
        return []
    level = s.rank(facts.risk_level)
    reasons = []
    if level < s.rank(s.account_min_level):
        reasons.append(
            rules.reason("suitability_account_level", level=facts.risk_level, required=s.account_min_level)
        )
    if facts.age >= s.senior_age and level > s.rank(s.senior_max_level):
        reasons.append(
            rules.reason(
                "suitability_senior_level",
                level=facts.risk_level,
                required=s.senior_max_level,
                senior_age=s.senior_age,
            )
        )
    # strict=False: answers from an older questionnaire with fewer questions still match by position.
    answers = dict(zip(s.questions, facts.risk_answers, strict=False))
    for choice in s.stated_choices:
        if answers.get(choice.question) != choice.answer:
            continue
        where = {
            "level": facts.risk_level,
            "number": s.questions.index(choice.question) + 1,
            "answer": choice.answer,
        }
        if choice.min_level is not None and level < s.rank(choice.min_level):
            reasons.append(rules.reason("suitability_choice_min", required=choice.min_level, **where))
        if choice.max_level is not None and level > s.rank(choice.max_level):
            reasons.append(rules.reason("suitability_choice_max", required=choice.max_level, **where))
    return reasons
