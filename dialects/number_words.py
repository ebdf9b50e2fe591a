"""Digits read out as words in Tibetan, Uyghur and any language in dialects/data/number_words.yml.

"གཅིག་གསུམ་བརྒྱད" or "بىر ئۈچ سەككىز" → "138". As with Chinese digits, a run needs at least three number words
before it is taken for a number, because "one" and "two" are everyday words (རྩིས་ཐོ་གཅིག, "an account").
Words joined by spaces or the tsheg are glued; commas and the shad keep groups apart, and the Chinese pass in
dialects/numbers.py then joins groups that look like chunks of one number (138, 1234, 5678).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from dialects.rewrites import Rewrite, apply_replacements

DATA_FILE = Path(__file__).resolve().parent / "data" / "number_words.yml"
MIN_WORD_RUN = 3
# Letters and combining marks: a number word must not be part of a longer word (بىر in بىرىنچى, "first").
_LETTER = r"[\w\u0f71-\u0f87\u0f90-\u0fbc]"


@lru_cache(maxsize=1)
def _languages() -> dict[str, dict[str, dict[int, list[str]]]]:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")) or {}


def _words(kind: str) -> dict[str, int]:
    """Every spelling of one kind (``digits`` or ``ordinals``) in every language → its number."""
    words: dict[str, int] = {}
    for language in _languages().values():
        for number, spellings in (language.get(kind) or {}).items():
            words.update({spelling.lower(): int(number) for spelling in spellings})
    return words


@lru_cache(maxsize=1)
def digit_words() -> dict[str, str]:
    """Every digit word → its digit."""
    return {word: str(digit) for word, digit in _words("digits").items()}


@lru_cache(maxsize=1)
def ordinal_words() -> dict[str, int]:
    """Every ordinal word ("the second") → its option number."""
    return _words("ordinals")


def _alternation(words: list[str]) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


@lru_cache(maxsize=1)
def _run_pattern() -> re.Pattern[str]:
    word = rf"(?<!{_LETTER})(?:{_alternation(list(digit_words()))})(?!{_LETTER})"
    return re.compile(rf"{word}(?:[ \t་]+{word})*", re.IGNORECASE)


@lru_cache(maxsize=1)
def _word_pattern() -> re.Pattern[str]:
    return re.compile(_alternation(list(digit_words())), re.IGNORECASE)


@lru_cache(maxsize=1)
def _ordinal_pattern() -> re.Pattern[str]:
    return re.compile(rf"(?<!{_LETTER})(?:{_alternation(list(ordinal_words()))})(?!{_LETTER})", re.IGNORECASE)


def words_to_digits(text: str) -> tuple[str, list[Rewrite]]:
    """Runs of ≥3 number words → digit strings, with the rewritten spans."""
    if not digit_words():
        return text, []
    pieces = []
    for run in _run_pattern().finditer(text):
        words = _word_pattern().findall(run.group(0))
        if len(words) >= MIN_WORD_RUN:
            pieces.append((run.start(), run.end(), "".join(digit_words()[w.lower()] for w in words)))
    return apply_replacements(text, pieces)


def ordinal_option(text: str) -> tuple[int, int, int] | None:
    """The first ordinal answer choice in ``text`` as (option, start, end), or None."""
    found = _ordinal_pattern().search(text) if ordinal_words() else None
    return (ordinal_words()[found.group(0).lower()], found.start(), found.end()) if found else None
