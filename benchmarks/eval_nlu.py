"""Held-out NLU benchmark: intent accuracy, entity exact match and parse latency per language variety.

Usage:
    python benchmarks/eval_nlu.py [MODEL] [--data nlu_data] [--floors benchmarks/nlu_floors.yml]
                                  [--errors] [--json OUT.json]

MODEL is a trained Rasa model (.tar.gz); by default the newest one in models/ or var/nlu_models/.
Every folder nlu_data/<variety>/test/ is evaluated (those examples are never used for training).
The model is loaded in-process with rasa's Agent, so the figures include the whole NLU pipeline
(spoken-number normaliser, Jieba, pattern entities, DIET, synonyms) but no HTTP.

Entity exact match counts only examples with annotated entities: the set of (entity, value) pairs predicted
for the contract's entity types must equal the annotated set (annotated bank names are mapped through the
variety's training synonyms first, as the pipeline's EntitySynonymMapper does).

Exit status: 0 when every floor in the floors file is met, 1 when one is missed, 2 when there is no model
or no held-out data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_ENTITIES = {
    "name",
    "id_number",
    "phone_number",
    "sms_code",
    "bank_card",
    "bank_name",
    "option",
    "occupation",
}
# Letters of any script (not digits, spaces or punctuation): messages without any carry no language.
_LETTERS = re.compile(r"[^\W\d_]")
MODEL_DIRS = (ROOT / "models", ROOT / "var" / "nlu_models")


@dataclass
class VarietyResult:
    """Figures for one variety (nlu_data/<variety>/test)."""

    variety: str
    examples: int = 0
    intent_correct: int = 0
    entity_examples: int = 0
    entity_exact: int = 0
    language_examples: int = 0
    language_correct: int = 0
    dialect_examples: int = 0
    dialect_correct: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    intent_errors: list[dict[str, Any]] = field(default_factory=list)
    entity_errors: list[dict[str, Any]] = field(default_factory=list)
    language_errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intent_correct / self.examples if self.examples else 0.0

    @property
    def language_accuracy(self) -> float | None:
        return self.language_correct / self.language_examples if self.language_examples else None

    @property
    def dialect_recall(self) -> float | None:
        return self.dialect_correct / self.dialect_examples if self.dialect_examples else None

    def add(self, other: VarietyResult) -> None:
        """Accumulate another variety's counts (for the `all` row)."""
        for name in (
            "examples",
            "intent_correct",
            "entity_examples",
            "entity_exact",
            "language_examples",
            "language_correct",
            "dialect_examples",
            "dialect_correct",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.latencies_ms += other.latencies_ms

    @property
    def entity_exact_match(self) -> float | None:
        return self.entity_exact / self.entity_examples if self.entity_examples else None

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]

    def summary(self) -> dict[str, Any]:
        return {
            "variety": self.variety,
            "examples": self.examples,
            "intent_accuracy": round(self.intent_accuracy, 4),
            "entity_examples": self.entity_examples,
            "entity_exact_match": (
                None if self.entity_exact_match is None else round(self.entity_exact_match, 4)
            ),
            "language_examples": self.language_examples,
            "language_accuracy": _rounded(self.language_accuracy),
            "dialect_recall": _rounded(self.dialect_recall),
            "latency_p50_ms": round(self.percentile_ms(0.5), 2),
            "latency_p95_ms": round(self.percentile_ms(0.95), 2),
            "latency_mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0.0,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def newest_model() -> Path | None:
    """Newest .tar.gz in models/ or var/nlu_models/."""
    candidates = [p for d in MODEL_DIRS if d.is_dir() for p in d.glob("*.tar.gz")]
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


def load_floors(path: Path) -> dict[str, dict[str, float]]:
    """Floors per variety, e.g. {'zh': {'intent_accuracy': 0.95}}."""
    if not path.is_file():
        return {}
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): {str(m): float(v) for m, v in (floors or {}).items()} for k, floors in data.items()}


def _synonyms(data_root: Path) -> dict[str, str]:
    """Entity synonyms of every training folder: the model's EntitySynonymMapper knows them all."""
    from rasa.shared.nlu.training_data.loading import load_data

    synonyms: dict[str, str] = {}
    for train in sorted(data_root.glob("*/train")):
        synonyms.update(load_data(str(train)).entity_synonyms)
    return synonyms


def _gold_entities(message: Any, synonyms: dict[str, str]) -> set[tuple[str, str]]:
    gold = set()
    for e in message.get("entities") or []:
        value = str(e.get("value"))
        gold.add((e["entity"], synonyms.get(value, value)))
    return gold


def _predicted_entities(parse: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (e["entity"], str(e.get("value")))
        for e in parse.get("entities") or []
        if e.get("entity") in CONTRACT_ENTITIES
    }


async def evaluate_variety(agent: Any, variety_dir: Path) -> VarietyResult:
    """Parse every held-out example of one variety and score it."""
    from rasa.shared.nlu.training_data.loading import load_data

    result = VarietyResult(variety=variety_dir.name)
    data = load_data(str(variety_dir / "test"))
    import yaml

    variety_file = variety_dir / "variety.yml"
    variety = yaml.safe_load(variety_file.read_text(encoding="utf-8")) if variety_file.is_file() else {}
    synonyms = _synonyms(variety_dir.parent)
    for message in data.intent_examples:
        text = message.get("text")
        start = time.perf_counter()
        parse = await agent.parse_message(text)
        result.latencies_ms.append((time.perf_counter() - start) * 1000.0)

        result.examples += 1
        if variety.get("language") and _LETTERS.search(text):
            result.language_examples += 1
            if parse.get("language") == variety["language"]:
                result.language_correct += 1
            else:
                result.language_errors.append({"text": text, "got": parse.get("language")})
        if variety.get("dialect"):
            result.dialect_examples += 1
            result.dialect_correct += parse.get("dialect") == variety["dialect"]
        expected = message.get("intent")
        predicted = (parse.get("intent") or {}).get("name")
        if predicted == expected:
            result.intent_correct += 1
        else:
            confidence = (parse.get("intent") or {}).get("confidence")
            result.intent_errors.append(
                {"text": text, "expected": expected, "predicted": predicted, "confidence": confidence}
            )

        gold = _gold_entities(message, synonyms)
        if gold:
            result.entity_examples += 1
            got = _predicted_entities(parse)
            if got == gold:
                result.entity_exact += 1
            else:
                result.entity_errors.append(
                    {"text": text, "expected": sorted(gold), "predicted": sorted(got)}
                )
    return result


def check_floors(results: list[VarietyResult], floors: dict[str, dict[str, float]]) -> list[str]:
    """Human-readable misses; empty when every floor is met."""
    misses = []
    by_variety = {r.variety: r.summary() for r in results}
    for variety, metrics in floors.items():
        summary = by_variety.get(variety)
        if summary is None:
            misses.append(f"{variety}: no held-out data under nlu_data/{variety}/test")
            continue
        for metric, floor in metrics.items():
            value = summary.get(metric)
            if value is None or value < floor:
                misses.append(f"{variety}: {metric} {value} < floor {floor}")
    return misses


def _quiet_logs() -> None:
    """Rasa logs every parse at debug level through structlog; keep the report readable."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    with warnings.catch_warnings():  # import-time deprecation noise from rasa's dependencies
        warnings.simplefilter("ignore")
        import jieba
        import rasa.core.agent  # noqa: F401
        from rasa.utils.log_utils import configure_structlog

    warnings.filterwarnings("ignore")
    configure_structlog(logging.ERROR)
    jieba.setLogLevel(logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)
    for name in ("rasa", "tensorflow", "absl", "jieba", "sanic", "asyncio"):
        logging.getLogger(name).setLevel(logging.ERROR)


async def _run(model: Path, data_root: Path) -> list[VarietyResult]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    await agent.parse_message("你好")  # warm-up: the first parse builds TF graphs
    varieties = sorted(p for p in data_root.iterdir() if (p / "test").is_dir())
    results = [await evaluate_variety(agent, v) for v in varieties]
    overall = VarietyResult(variety="all")
    for result in results:
        overall.add(result)
    return [*results, overall]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "model", nargs="?", help="model .tar.gz (default: newest in models/ or var/nlu_models/)"
    )
    parser.add_argument("--data", default=str(ROOT / "nlu_data"), help="root with <variety>/test folders")
    parser.add_argument("--floors", default=str(ROOT / "benchmarks" / "nlu_floors.yml"))
    parser.add_argument("--errors", action="store_true", help="list misclassified examples")
    parser.add_argument("--json", dest="json_out", help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    model = Path(args.model) if args.model else newest_model()
    if model is None or not model.exists():
        print(
            "no trained model found (pass a path or train into models/ or var/nlu_models/)", file=sys.stderr
        )
        return 2
    data_root = Path(args.data)
    if not data_root.is_dir() or not any((p / "test").is_dir() for p in data_root.iterdir()):
        print(f"no held-out data under {data_root}/<variety>/test", file=sys.stderr)
        return 2

    _quiet_logs()
    print(f"model: {model}")
    results = asyncio.run(_run(model, data_root))

    header = (
        f"{'variety':<13} {'n':>5} {'intent_acc':>10} {'ent_n':>6} {'ent_exact':>9} {'lang_acc':>8} "
        f"{'dialect':>8} {'p50_ms':>7} {'p95_ms':>7}"
    )
    print(header)
    for r in results:
        s = r.summary()
        ent, lang, dialect = (
            "-" if s[key] is None else f"{s[key]:.4f}"
            for key in ("entity_exact_match", "language_accuracy", "dialect_recall")
        )
        print(
            f"{s['variety']:<13} {s['examples']:>5} {s['intent_accuracy']:>10.4f} {s['entity_examples']:>6} "
            f"{ent:>9} {lang:>8} {dialect:>8} {s['latency_p50_ms']:>7.1f} {s['latency_p95_ms']:>7.1f}"
        )
        if args.errors:
            for e in r.language_errors:
                print(f"  language  got {e['got']}: {e['text']}")
            for e in r.intent_errors:
                print(
                    f"  intent  {e['expected']:>15} -> {e['predicted']:<15} "
                    f"{e['confidence']:.2f}  {e['text']}"
                )
            for e in r.entity_errors:
                print(
                    f"  entity  {e['text']}\n"
                    f"          expected {e['expected']}\n"
                    f"          got      {e['predicted']}"
                )

    floors = load_floors(Path(args.floors))
    misses = check_floors(results, floors)
    if args.json_out:
        payload = {
            "model": str(model),
            "results": [r.summary() for r in results],
            "errors": {r.variety: {"intent": r.intent_errors, "entity": r.entity_errors} for r in results},
            "floors": floors,
            "misses": misses,
        }
        Path(args.json_out).write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    for miss in misses:
        print(f"FLOOR MISSED {miss}", file=sys.stderr)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
