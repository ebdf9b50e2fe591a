"""Compliance rules as pure functions: each rule hits on its own, all hits are reported together."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from backend import compliance
from backend.compliance import Facts, evaluate, load_rules
from backend.config import ConfigError, Settings
from backend.content import load_yaml

CLEAN = Facts(age=30, existing_customer=False, blocked=False, failed_attempts=0)


@pytest.fixture
def rules():
    return load_rules(Settings(), extra_blocked=["500103198008082223"])


def test_clean_applicant_passes(rules) -> None:
    assert evaluate(CLEAN, rules) == []


@pytest.mark.parametrize(
    ("facts", "code", "text"),
    [
        (Facts(17, False, False, 0), "underage", "未满18周岁"),
        (Facts(30, True, False, 0), "existing_customer", "已在本公司开立证券账户"),
        (Facts(30, False, True, 0), "blocked_list", "风险名单"),
        (Facts(30, False, False, 3), "failed_attempts", "累计失败3次"),
    ],
)
def test_each_rule(rules, facts: Facts, code: str, text: str) -> None:
    reasons = evaluate(facts, rules)
    assert [r.code for r in reasons] == [code]
    assert text in reasons[0].text


def test_thresholds_are_edges(rules) -> None:
    assert evaluate(Facts(18, False, False, 2), rules) == []
    assert rules.min_age == 18 and rules.failed_attempts_threshold == 3


def test_all_hits_are_reported(rules) -> None:
    codes = [r.code for r in evaluate(Facts(16, True, True, 5), rules)]
    assert codes == ["underage", "existing_customer", "blocked_list", "failed_attempts"]


def test_blocked_list_from_file(tmp_path: Path) -> None:
    listed = tmp_path / "blocked.yml"
    listed.write_text('- "11010519491231002x"\n', encoding="utf-8")
    rules = load_rules(Settings(blocked_list_file=str(listed)))
    assert "11010519491231002X" in rules.blocked_ids
    with pytest.raises(ConfigError):
        load_rules(Settings(blocked_list_file=str(tmp_path / "missing.yml")))


# Suitability: answers are [experience, investable_share, horizon, goal, loss_tolerance], 1-4 each.
def suitability(age: int, level: str, answers: tuple[int, ...] = (3, 3, 2, 3, 2)) -> Facts:
    return Facts(age, False, False, 0, risk_level=level, risk_answers=answers)


@pytest.mark.parametrize(
    ("facts", "code", "text"),
    [
        (
            suitability(70, "C4", (4, 3, 3, 3, 2)),
            "suitability_senior_level",
            "年满70周岁，风险承受能力评估为C4，高于C3",
        ),
        (
            suitability(30, "C2", (1, 1, 1, 4, 1)),
            "suitability_choice_min",
            "C2低于申请人第4题所选第4项要求的C3",
        ),
        (
            suitability(30, "C3", (3, 3, 3, 3, 1)),
            "suitability_choice_max",
            "C3高于申请人第5题所选第1项能承受的C2",
        ),
    ],
)
def test_each_suitability_rule(rules, facts: Facts, code: str, text: str) -> None:
    reasons = evaluate(facts, rules)
    assert [r.code for r in reasons] == [code]
    assert text in reasons[0].text


def test_suitability_edges(rules) -> None:
    assert evaluate(suitability(69, "C5", (4, 4, 4, 4, 4)), rules) == []  # not yet a senior by the rule
    assert evaluate(suitability(85, "C3"), rules) == []  # a senior at the bound
    assert evaluate(suitability(30, "C3", (3, 3, 3, 4, 2)), rules) == []  # goal 4 at C3 is consistent
    assert evaluate(suitability(30, "C2", (2, 2, 2, 2, 1)), rules) == []  # "no loss" at C2 is consistent
    assert evaluate(suitability(30, "C1", (1, 1, 1, 1, 1)), rules) == []  # the account is open to C1
    assert evaluate(Facts(30, False, False, 0), rules) == []  # no assessment: nothing to compare


def test_account_type_level_comes_from_the_data(rules) -> None:
    stricter = replace(rules, suitability=replace(rules.suitability, account_min_level="C2"))
    reasons = evaluate(suitability(30, "C1", (1, 1, 1, 1, 1)), stricter)
    assert [r.code for r in reasons] == ["suitability_account_level"]
    assert "C1低于本账户类型要求的C2" in reasons[0].text
    assert evaluate(suitability(30, "C2", (2, 2, 2, 1, 1)), stricter) == []


def test_suitability_hits_join_the_other_reasons(rules) -> None:
    facts = Facts(75, True, False, 0, risk_level="C5", risk_answers=(4, 4, 4, 4, 4))
    assert [r.code for r in evaluate(facts, rules)] == ["existing_customer", "suitability_senior_level"]


@pytest.mark.parametrize(
    "change",
    [
        {"senior_max_level": "C9"},
        {"stated_choices": [{"question": "goal", "answer": 4, "min_level": "c3"}]},
        {"stated_choices": [{"question": "nope", "answer": 1, "max_level": "C2"}]},
        {"stated_choices": [{"question": "goal", "answer": 5, "max_level": "C2"}]},
        {"stated_choices": [{"question": "goal", "answer": 4}]},
    ],
)
def test_suitability_data_with_a_typo_refuses_to_start(change: dict) -> None:
    data = {**load_yaml("compliance.yml")["suitability"], **change}
    with pytest.raises(ConfigError):
        compliance._suitability(data)
