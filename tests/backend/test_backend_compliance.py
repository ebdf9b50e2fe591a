"""Compliance rules as pure functions: each rule hits on its own, all hits are reported together."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.compliance import Facts, evaluate, load_rules
from backend.config import ConfigError, Settings

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
