"""Which language (and Chinese dialect) a message is written in.

Script first: Tibetan and Uyghur are recognised by their letters, which langdetect does not know. Han text is
scored against the dialect lexicons' cue words (Cantonese 係/唔/咩, Sichuanese 啥子/要得, Northeastern 嘎哈),
Mandarin-only function words and the traditional/simplified character forms. Latin text is checked for Uyghur
(ULY) words, then given to langdetect.

A guess is *decisive* when the evidence is strong enough to switch the conversation's language. Short neutral
answers ("好", "1", "OK") are not: a Cantonese speaker answering "好" keeps being answered in Cantonese.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from dialects.chinese import simplified_only, to_simplified, traditional_only
from dialects.lexicons import DECISIVE_CUE_WEIGHT, Dialect, load_dialects
from dialects.scripts import ARABIC, HAN, LATIN, TIBETAN, count_scripts
from languages import DEFAULT_LANGUAGE, conversation_languages

DATA_FILE = Path(__file__).resolve().parent / "data" / "language_id.yml"
CONVERSATION_LANGUAGES = conversation_languages()
_MIN_HAN_FOR_MANDARIN = 3
# Han inside a Tibetan or Uyghur message is a Chinese name, bank or region ("ئىسمىم 热依汗古丽·艾买提"): one
# word of the minority script (this many letters) decides, even when the Han characters outnumber it.
_MIN_SCRIPT_WORD = 4
_MIN_ULY_STEM = 5  # shorter known words (men, siz, bir) start too many words of other languages
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ɏ']+")


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    dialect: str | None = None
    decisive: bool = False


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=1)
def _switch_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (language, re.compile("|".join(re.escape(to_simplified(p.lower())) for p in phrases)))
        for language, phrases in (_data().get("switch_requests") or {}).items()
    ]


def requested_language(text: str) -> str | None:
    """The language the user explicitly asks for ("说藏语", "讲粤语"), if any."""
    simplified = to_simplified(text.lower())
    for language, pattern in _switch_patterns():
        if pattern.search(simplified):
            return language
    return None


def _chinese(text: str, dialects: dict[str, Dialect]) -> LanguageGuess:
    simplified = to_simplified(text)
    traditional = traditional_only(text) > simplified_only(text)
    scores = {}
    for dialect in dialects.values():
        # Written Cantonese is usually in traditional characters; a traditional text counts as one weak cue.
        bonus = 1 if traditional and dialect.language == "yue" else 0
        scores[dialect.name] = dialect.cue_score(simplified) + bonus
    best = max(scores, key=scores.__getitem__, default=None)
    if best is not None and scores[best] >= DECISIVE_CUE_WEIGHT:
        return LanguageGuess(dialects[best].language, best, True)
    # A weak cue still names the dialect (its lexicon normalises the text) but does not switch languages.
    unique = best is not None and scores[best] > 0 and list(scores.values()).count(scores[best]) == 1
    weak = best if unique else None
    markers = sum(simplified.count(word) for word in _data().get("mandarin_markers") or [])
    if traditional and markers == 0:
        return LanguageGuess("yue", weak or ("cantonese" if "cantonese" in dialects else None), False)
    han = count_scripts(text)[HAN]
    mandarin = han >= _MIN_HAN_FOR_MANDARIN and (markers > 0 or simplified_only(text) > 0)
    if weak and dialects[weak].language != DEFAULT_LANGUAGE:
        return LanguageGuess(dialects[weak].language, weak, False)
    return LanguageGuess(DEFAULT_LANGUAGE, weak, mandarin)


def _latin(text: str, languages: tuple[str, ...]) -> LanguageGuess:
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if sum(map(_is_uyghur_latin, words)) >= 2:
        return LanguageGuess("ug", None, "ug" in languages)
    if len(words) < int(_data().get("min_latin_words", 3)):
        return LanguageGuess(DEFAULT_LANGUAGE)
    detected = _langdetect(text)
    if detected is None:
        return LanguageGuess(DEFAULT_LANGUAGE)
    return LanguageGuess(detected, None, detected in languages)


def _plain(word: str) -> str:
    """Without accents: people often type ULY's é, ö, ü as e, o, u."""
    return "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _uyghur_latin_words() -> tuple[frozenset[str], tuple[str, ...]]:
    words = frozenset(_plain(w) for w in _data().get("uyghur_latin_words") or [])
    return words, tuple(w for w in words if len(w) >= _MIN_ULY_STEM)


def _is_uyghur_latin(word: str) -> bool:
    """A known ULY word, or one of them with suffixes (Uyghur is agglutinative: hésabat → hésabatni)."""
    words, stems = _uyghur_latin_words()
    plain = _plain(word)
    return plain in words or plain.startswith(stems)


def _langdetect(text: str) -> str | None:
    from langdetect import DetectorFactory, LangDetectException, detect_langs

    DetectorFactory.seed = 0  # langdetect is random unless seeded
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return None
    return best.lang if best.prob >= 0.9 else None


def _outweighs_han(letters: int, han: int) -> bool:
    return letters >= _MIN_SCRIPT_WORD or (letters > 0 and letters >= han)


def identify(text: str, languages: tuple[str, ...] = CONVERSATION_LANGUAGES) -> LanguageGuess:
    """The language of ``text``; decisive only for languages in ``languages`` (those the assistant speaks)."""
    requested = requested_language(text)
    if requested:
        dialect = (_data().get("language_dialects") or {}).get(requested)
        return LanguageGuess(requested, dialect, requested in languages)
    scripts = count_scripts(text)
    if _outweighs_han(scripts[TIBETAN], scripts[HAN]):
        return LanguageGuess("bo", None, "bo" in languages)
    if scripts[ARABIC] >= 2 and _outweighs_han(scripts[ARABIC], scripts[HAN]):
        return LanguageGuess("ug", None, "ug" in languages)
    if scripts[HAN]:
        return _chinese(text, load_dialects())
    if scripts[LATIN]:
        return _latin(text, languages)
    return LanguageGuess(DEFAULT_LANGUAGE)
