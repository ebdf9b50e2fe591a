"""Keyword lists the dialogue listens for inside a step (actions/data/keywords.yml), as compiled patterns.

Only the actions read them (the NLU never does), so they live with the actions."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

DATA_FILE = Path(__file__).resolve().parent / "data" / "keywords.yml"


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")) or {}


def _any_of(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


@lru_cache(maxsize=1)
def resend_code_words() -> re.Pattern[str]:
    """Matches "send the code again" / "the code did not arrive" in any supported language."""
    return _any_of(_data()["resend_code"])


@lru_cache(maxsize=1)
def field_words() -> list[tuple[str, re.Pattern[str]]]:
    """(field, pattern) for each part of the application a user may ask to change."""
    return [(field, _any_of(words)) for field, words in _data()["fields"].items()]


@lru_cache(maxsize=1)
def normal_speed_words() -> re.Pattern[str]:
    """Matches "no need to speak slowly" / "normal speed is fine" (senior mode off), every language's list."""
    return _any_of([word for words in _data()["normal_speed"].values() for word in words])


@lru_cache(maxsize=1)
def video_witness_words() -> re.Pattern[str]:
    """Matches asking for a video-witness appointment (见证开户 by video call)."""
    return _any_of(_data()["video_witness"])
