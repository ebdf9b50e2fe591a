"""benchmarks/eval_nlu.py: floors are read per variety and a miss is reported (no model needed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load():
    spec = importlib.util.spec_from_file_location("eval_nlu", ROOT / "benchmarks" / "eval_nlu.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_floors_file_has_mandarin_intent_floor() -> None:
    floors = _load().load_floors(ROOT / "benchmarks" / "nlu_floors.yml")
    assert floors["zh"]["intent_accuracy"] >= 0.95


def test_check_floors_reports_misses() -> None:
    module = _load()
    good = module.VarietyResult("zh", examples=100, intent_correct=97, entity_examples=10, entity_exact=9)
    bad = module.VarietyResult("yue", examples=10, intent_correct=5)
    floors = {"zh": {"intent_accuracy": 0.95, "entity_exact_match": 0.85}, "yue": {"intent_accuracy": 0.9}}
    misses = module.check_floors([good, bad], floors)
    assert len(misses) == 1 and misses[0].startswith("yue: intent_accuracy 0.5")
    # a variety with a floor but no held-out data is a miss too
    assert module.check_floors([good], floors) == ["yue: no held-out data under nlu_data/yue/test"]


def test_latency_percentiles() -> None:
    result = _load().VarietyResult("zh", latencies_ms=[float(i) for i in range(1, 101)])
    assert result.percentile_ms(0.5) in (50.0, 51.0)
    assert result.percentile_ms(0.95) in (95.0, 96.0)
