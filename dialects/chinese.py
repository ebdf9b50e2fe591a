"""Traditional → simplified Chinese (OpenCC), keeping every character's position.

Dialect lexicons and the Mandarin model work on simplified text. The conversion must not move characters:
entity offsets annotated on training examples are carried over unchanged, so when OpenCC's phrase-level
conversion changes the length (rare), we fall back to converting character by character.
"""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    """Simplified characters, same length and positions as ``text``."""
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(_t2s().convert(ch) if len(_t2s().convert(ch)) == 1 else ch for ch in text)


def traditional_only(text: str) -> int:
    """Characters written in a traditional form that simplified Chinese writes differently (開, 戶, 係…)."""
    return sum(1 for a, b in zip(text, to_simplified(text), strict=True) if a != b)


def simplified_only(text: str) -> int:
    """Characters written in a simplified form that traditional Chinese writes differently (开, 户, 们…)."""
    converted = _s2t().convert(text)
    if len(converted) != len(text):
        return 0
    return sum(1 for a, b in zip(text, converted, strict=True) if a != b)
