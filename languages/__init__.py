"""The languages registry (registry.yml): one source for which languages exist and what each has.

Every room asks here rather than keeping its own list: the NLU's conversation languages, the backend's text
languages, the voices and recognisers, the default language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

REGISTRY_FILE = Path(__file__).resolve().parent / "registry.yml"


@dataclass(frozen=True)
class Language:
    code: str
    tag: str  # BCP 47, as the pages' lang attribute
    name: str
    english_name: str
    conversation: bool  # replies, backend texts and page labels exist in it
    script: str  # ISO 15924
    direction: str  # ltr | rtl
    asr: dict[str, str] = field(default_factory=dict)  # recogniser -> its code for this language
    tts: dict[str, str] = field(default_factory=dict)  # voice engine -> voice
    dialect_voices: dict[str, str] = field(default_factory=dict)  # dialect -> remote voice


@cache
def _load() -> tuple[str, dict[str, Language]]:
    data = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    languages = {
        code: Language(
            code=code,
            tag=str(entry["tag"]),
            name=str(entry["name"]),
            english_name=str(entry["english_name"]),
            conversation=bool(entry["conversation"]),
            script=str(entry["script"]),
            direction=str(entry.get("direction", "ltr")),
            asr={str(k): str(v) for k, v in (entry.get("asr") or {}).items()},
            tts={str(k): str(v) for k, v in (entry.get("tts") or {}).items()},
            dialect_voices={str(k): str(v) for k, v in (entry.get("dialect_voices") or {}).items()},
        )
        for code, entry in data["languages"].items()
    }
    default = str(data["default"])
    if default not in languages or not languages[default].conversation:
        raise ValueError(f"{REGISTRY_FILE}: default {default!r} must be a conversation language")
    return default, languages


DEFAULT_LANGUAGE: str = _load()[0]


def languages() -> dict[str, Language]:
    """Every language, by code, in the registry's order."""
    return dict(_load()[1])


def language(code: str) -> Language | None:
    return _load()[1].get(code)


def conversation_languages() -> tuple[str, ...]:
    """The languages a conversation is held in (answered in, with their own texts)."""
    return tuple(code for code, lang in _load()[1].items() if lang.conversation)


def known_languages() -> tuple[str, ...]:
    """Every language the assistant recognises, conversation languages first."""
    return tuple(_load()[1])
