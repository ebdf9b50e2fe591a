"""NLU data: every contract intent covered in every variety, held-out splits that no training folder
shares an example with, entity ownership respected."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("rasa")

from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402

from benchmarks.eval_nlu import CONTRACT_ENTITIES  # noqa: E402 - the contract's entities, listed once

ROOT = Path(__file__).resolve().parents[2]
NLU_DATA = ROOT / "nlu_data"
ZH = NLU_DATA / "zh"
VARIETIES = sorted(p.name for p in NLU_DATA.iterdir() if (p / "test").is_dir())
INTENTS = {
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "open_account",
    "inform",
    "ask_repeat",
    "ask_slower",
    "request_human",
    "ask_fee",
    "ask_duration",
    "ask_documents",
    "ask_safety",
    "check_progress",
    "correct_info",
    "go_back",
    "pause",
    "cancel",
    "delete_my_data",
    "bot_challenge",
    "out_of_scope",
}
DIET_ENTITIES = {"name", "bank_name", "occupation"}  # the pattern extractor owns the rest


@pytest.fixture(scope="module")
def train():
    return load_data(str(ZH / "train"), "zh")


@pytest.fixture(scope="module")
def test():
    return load_data(str(ZH / "test"), "zh")


def test_training_covers_every_intent(train) -> None:
    counts = Counter(m.get("intent") for m in train.intent_examples)
    assert set(counts) == INTENTS
    assert counts["inform"] >= 120
    thin = {i: c for i, c in counts.items() if c < 40}
    assert not thin, f"fewer than 40 training examples: {thin}"


def test_held_out_covers_every_intent(test) -> None:
    counts = Counter(m.get("intent") for m in test.intent_examples)
    assert set(counts) == INTENTS
    thin = {i: c for i, c in counts.items() if c < 12}
    assert not thin, f"fewer than 12 held-out examples: {thin}"


def _bare(text: str) -> str:
    """Spaces and punctuation (Chinese, Tibetan, Arabic) do not make an example new."""
    return re.sub(r"[\s།་،؟,.!?，。！？、]+", "", text)


@pytest.fixture(scope="module")
def every_training_text() -> set[str]:
    """The model trains on every variety's folder at once: a held-out example must be in none of them."""
    return {
        _bare(m.get("text"))
        for variety in VARIETIES
        for m in load_data(str(NLU_DATA / variety / "train"), "zh").intent_examples
    }


@pytest.mark.parametrize("variety", VARIETIES)
def test_every_variety_covers_every_intent(variety: str) -> None:
    for split in ("train", "test"):
        intents = {m.get("intent") for m in load_data(str(NLU_DATA / variety / split), "zh").intent_examples}
        assert intents == INTENTS, (split, INTENTS ^ intents)


@pytest.mark.parametrize("variety", VARIETIES)
def test_held_out_shares_no_example_with_training(variety: str, every_training_text: set[str]) -> None:
    held_out = load_data(str(NLU_DATA / variety / "test"), "zh").intent_examples
    shared = [m.get("text") for m in held_out if _bare(m.get("text")) in every_training_text]
    assert not shared


def test_training_annotates_only_diet_entities(train) -> None:
    annotated = {e["entity"] for m in train.intent_examples for e in m.get("entities") or []}
    assert annotated <= DIET_ENTITIES
    assert {"name", "bank_name", "occupation"} <= annotated


def test_held_out_entities_are_contract_entities(test) -> None:
    annotated = {e["entity"] for m in test.intent_examples for e in m.get("entities") or []}
    assert annotated <= CONTRACT_ENTITIES


def test_names_cover_lengths_and_compound_surnames(train) -> None:
    names = {
        e["value"] for m in train.intent_examples for e in m.get("entities") or [] if e["entity"] == "name"
    }
    assert {2, 3, 4} <= {len(n) for n in names}
    assert any(n.startswith("欧阳") for n in names)
    assert any(n.startswith("司马") for n in names)


def test_bank_synonyms_and_lookup(train) -> None:
    assert train.entity_synonyms.get("工行") == "中国工商银行"
    lookups = {t["name"]: t["elements"] for t in train.lookup_tables}
    assert "招商银行" in lookups["bank_name"]
