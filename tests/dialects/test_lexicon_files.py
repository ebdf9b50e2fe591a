"""Dialect lexicon files (dialects/lexicons/*.yml): shape, simplified-script keys, and specific weight-2 cues.

A dialect is added by adding one file, so these checks run on every file found, whatever its name.
"""

from __future__ import annotations

import re
from pathlib import Path

import opencc
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LEXICONS = sorted((ROOT / "dialects" / "lexicons").glob("*.yml"))
MANDARIN_TRAIN = ROOT / "nlu_data" / "zh" / "train"
LANGUAGES = {"zh", "yue"}
EXPECTED = {"cantonese", "sichuanese", "northeastern"}

_T2S = opencc.OpenCC("t2s")
# [text](entity) and [text]{"entity": ...} → text
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


def _mandarin_examples() -> list[str]:
    """Every example of nlu_data/zh/train, markup removed, after the same t2s step the pipeline runs."""
    examples = []
    for path in sorted(MANDARIN_TRAIN.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if "intent" not in item:
                continue
            for line in str(item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append(_T2S.convert(_ANNOTATION.sub(r"\1", line[2:].strip())))
    return examples


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_the_three_dialects_have_a_lexicon() -> None:
    assert {p.stem for p in LEXICONS} >= EXPECTED


@pytest.mark.parametrize("path", LEXICONS, ids=_ids(LEXICONS))
def test_shape(path: Path) -> None:
    lex = _load(path)
    assert isinstance(lex, dict)
    assert set(lex) == {"dialect", "language", "cues", "normalize"}
    assert lex["dialect"] == path.stem, "the dialect name is the file name"
    assert lex["language"] in LANGUAGES

    cues = lex["cues"]
    assert isinstance(cues, dict) and cues
    for cue, weight in cues.items():
        assert isinstance(cue, str) and cue.strip() == cue and cue, f"bad cue {cue!r}"
        assert type(weight) is int and weight in (1, 2), f"cue {cue!r}: weight must be 1 or 2, got {weight!r}"
    assert 2 in cues.values(), "at least one cue must be enough on its own"

    norm = lex["normalize"]
    assert isinstance(norm, dict) and norm
    for key, value in norm.items():
        assert isinstance(key, str) and key.strip() == key and key, f"bad key {key!r}"
        assert isinstance(value, str) and value.strip() == value, f"{key!r}: bad value {value!r}"


@pytest.mark.parametrize("path", LEXICONS, ids=_ids(LEXICONS))
def test_keys_and_replacements_are_simplified(path: Path) -> None:
    """Text is converted to simplified before a lexicon applies: a traditional key would never match."""
    lex = _load(path)
    words = list(lex["cues"]) + list(lex["normalize"]) + list(lex["normalize"].values())
    traditional = {w: _T2S.convert(w) for w in words if _T2S.convert(w) != w}
    assert not traditional, f"write these in their t2s form: {traditional}"


@pytest.mark.parametrize("path", LEXICONS, ids=_ids(LEXICONS))
def test_cues_are_known_to_the_normaliser(path: Path) -> None:
    """A cue is a dialect word: the normaliser should know it or a phrase around it (必须的 → 那必须的)."""
    lex = _load(path)
    norm = lex["normalize"]
    unknown = [c for c in lex["cues"] if not any(k in c or c in k for k in norm)]
    assert len(unknown) <= 2, f"cues the normaliser never touches: {unknown}"


@pytest.mark.parametrize("path", LEXICONS, ids=_ids(LEXICONS))
def test_protecting_entries_protect_something(path: Path) -> None:
    """`X: X` keeps a Mandarin word intact, so it must contain a dialect word (a cue or another key)."""
    lex = _load(path)
    norm = lex["normalize"]
    words = {w for w in [*norm, *lex["cues"]] if norm.get(w) != w}
    idle = [k for k, v in norm.items() if k == v and not any(w in k for w in words)]
    assert not idle, f"protecting entries that contain no dialect word: {idle}"


@pytest.mark.parametrize("path", LEXICONS, ids=_ids(LEXICONS))
def test_strong_cues_never_occur_in_mandarin_training_data(path: Path) -> None:
    """A weight-2 cue identifies the dialect on its own, so it must not appear in ordinary Mandarin."""
    examples = _mandarin_examples()
    assert len(examples) > 500
    strong = [c for c, w in _load(path)["cues"].items() if w == 2]
    hits = {c: [e for e in examples if c in e][:3] for c in strong}
    hits = {c: e for c, e in hits.items() if e}
    assert not hits, f"weight-2 cues found in nlu_data/zh/train (lower them to 1): {hits}"


def test_dialect_names_are_unique() -> None:
    names = [_load(p)["dialect"] for p in LEXICONS]
    assert len(names) == len(set(names))
