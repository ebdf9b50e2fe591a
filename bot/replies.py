"""Replies in every language: bot/responses/<lang>.yml, next to the Mandarin responses in bot/domain.

Senior-mode variants live in bot/responses/senior/<lang>.yml (``responses`` only, any subset of the keys).
Each file holds the translated ``responses`` (same keys, placeholders and button payloads as the domain)
and the ``terms`` actions put into replies (stage names, statuses). Mandarin terms live in
bot/responses/zh.yml; Mandarin responses stay in the domain, where Rasa validates them.
A new language is a new file here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from languages import DEFAULT_LANGUAGE

RESPONSES_DIR = Path(__file__).resolve().parent / "responses"
# Senior-mode variants (shorter sentences, one question, gentle re-prompts): same keys, placeholders, buttons.
SENIOR_DIR = RESPONSES_DIR / "senior"


@dataclass(frozen=True)
class ReplyFile:
    language: str
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    terms: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=4)
def load_reply_files(directory: Path = RESPONSES_DIR) -> dict[str, ReplyFile]:
    """Every reply file, by language code."""
    files = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = str(data.get("language") or path.stem)
        files[language] = ReplyFile(language, data.get("responses") or {}, data.get("terms") or {})
    return files


def reply_languages() -> set[str]:
    return set(load_reply_files())


def term(language: str | None, group: str, key: Any = None) -> str:
    """A word for replies (``term("bo", "stage_names", 2)``, ``term("ug", "list_separator")``), in Mandarin
    when the language lacks it."""
    files = load_reply_files()
    for lang in (language or DEFAULT_LANGUAGE, DEFAULT_LANGUAGE):
        value = (files.get(lang) or ReplyFile(lang)).terms.get(group)
        if key is not None and isinstance(value, dict):
            value = value.get(key, value.get(str(key)))
        if value is not None and not isinstance(value, dict):
            return str(value)
    raise KeyError(f"no term {group}.{key}")
