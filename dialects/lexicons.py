"""Dialect lexicons (dialects/lexicons/<dialect>.yml): the cue words that reveal a dialect, and its
words in Mandarin.

A new dialect is a new file; see dialects/lexicons/sichuanese.yml for the shape. Keys are compared on
simplified text (the normaliser converts traditional characters first), so they are converted here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from dialects.chinese import to_simplified
from dialects.rewrites import Rewrite, apply_replacements
from languages import DEFAULT_LANGUAGE

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
DECISIVE_CUE_WEIGHT = 2


@dataclass(frozen=True)
class Dialect:
    name: str
    language: str
    cues: dict[str, int]
    normalize: dict[str, str]

    @cached_property
    def _normalize_scanner(self) -> re.Pattern[str] | None:
        return _longest_first(self.normalize)

    @cached_property
    def _cue_scanner(self) -> re.Pattern[str] | None:
        # Protecting entries (关系: 关系) are scanned too, so the cue inside them (系) does not count.
        return _longest_first([*self.cues, *self._protected])

    @cached_property
    def _protected(self) -> set[str]:
        return {word for word, mandarin in self.normalize.items() if word == mandarin}

    def cue_score(self, text: str) -> int:
        """Sum of the weights of the cue words in ``text`` (simplified)."""
        if self._cue_scanner is None:
            return 0
        found = (m.group(0) for m in self._cue_scanner.finditer(text))
        return sum(self.cues.get(word, 0) for word in found if word not in self._protected)

    def to_mandarin(self, text: str) -> tuple[str, list[Rewrite]]:
        """Dialect words in ``text`` (simplified) replaced by their Mandarin, with the rewritten spans."""
        if self._normalize_scanner is None:
            return text, []
        matches = self._normalize_scanner.finditer(text)
        return apply_replacements(text, ((m.start(), m.end(), self.normalize[m.group(0)]) for m in matches))


def _longest_first(words: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(words), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


def _load(path: Path) -> Dialect:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Dialect(
        name=str(data["dialect"]),
        language=str(data.get("language", DEFAULT_LANGUAGE)),
        cues={to_simplified(str(k)): int(v) for k, v in (data.get("cues") or {}).items()},
        normalize={to_simplified(str(k)): str(v) for k, v in (data.get("normalize") or {}).items()},
    )


@lru_cache(maxsize=4)
def load_dialects(directory: Path = LEXICON_DIR) -> dict[str, Dialect]:
    """Every dialect lexicon in ``directory``, by dialect name."""
    dialects = (_load(path) for path in sorted(directory.glob("*.yml")))
    return {dialect.name: dialect for dialect in dialects}
