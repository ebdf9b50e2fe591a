"""Data files (backend/data/*.yml): questionnaires, agreements, notices, rules. Growing content is data."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from languages import DEFAULT_LANGUAGE, conversation_languages

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_LANG = DEFAULT_LANGUAGE
# The languages the texts are written in: the registry's conversation languages (languages/registry.yml):
# Mandarin, written Cantonese (traditional characters), Tibetan, Uyghur (Arabic script). Dialects of Mandarin
# are served zh. The API refuses any other code; a text that lacks one of these languages is served in zh.
LANGS = conversation_languages()


@cache
def load_yaml(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def pick_text(texts: dict[str, str], lang: str | None) -> tuple[str, str]:
    """The text in `lang`, else in the default language: a missing translation never breaks a reply."""
    if lang and lang in texts:
        return texts[lang], lang
    return texts[DEFAULT_LANG], DEFAULT_LANG


def notice(lang: str | None) -> dict[str, str]:
    data = load_yaml("notice.yml")
    text, served = pick_text(data["text"], lang)
    return {"version": str(data["version"]), "text": text, "lang": served}


def agreements(lang: str | None) -> dict[str, Any]:
    data = load_yaml("agreements.yml")
    docs = data["documents"]
    # One language for the whole bundle: never mix a translated title with an untranslated summary.
    served = lang if lang and all(lang in d["title"] and lang in d["summary"] for d in docs) else DEFAULT_LANG
    documents = [
        {
            "id": d["id"],
            "title": d["title"][served],
            "version": str(d["version"]),
            "summary": d["summary"][served],
        }
        for d in docs
    ]
    return {"version": str(data["version"]), "documents": documents, "lang": served}


def sms_code_message(code: str, ttl_s: int, lang: str | None) -> tuple[str, str]:
    """The SMS that carries a verification code, and the language it is written in."""
    minutes = max(1, ttl_s // 60)  # rounded down: the message never promises more time than the code has
    text, served = pick_text(load_yaml("sms.yml")["code_message"], lang)
    return text.format(code=code, minutes=minutes), served


def agreement_versions() -> tuple[str, dict[str, str]]:
    data = load_yaml("agreements.yml")
    return str(data["version"]), {doc["id"]: str(doc["version"]) for doc in data["documents"]}
