"""What every text-to-speech provider here shares: errors, language tags, rate handling.

A language argument is a *tag*: the conversation language (zh, yue, bo, ug, en) optionally followed by
the Chinese dialect the user speaks, e.g. "zh-northeastern" or "zh-shaanxi". Providers with no voice for the
dialect speak the base language; a provider never refuses a tag only because of its dialect part. This keeps
the `SpeechSynthesizer.synthesize(text, language, rate=...)` protocol unchanged: build tags with
`language_tag()`.
"""

from __future__ import annotations

import languages
from voice.speech import Speech

# Spellings that reach us from the NLU, from BCP-47 habits, or from operators' configuration.
_BASE_ALIASES = {
    "cmn": "zh",
    "zh-cn": "zh",
    "zh-hans": "zh",
    "zh-yue": "yue",
    "zh-hk": "yue",
    "zh-cantonese": "yue",
    "cantonese": "yue",
    "zh-tw": "zh",
    "uig": "ug",
    "bod": "bo",
    "tib": "bo",
}
_DIALECT_ALIASES = {
    "dongbei": "northeastern",
    "liaoning": "northeastern",
    "northeast": "northeastern",
    "shaanxi": "shaanxi",
    "xian": "shaanxi",
    "sichuan": "sichuanese",
}

MIN_RATE, MAX_RATE = 0.5, 2.0


class SynthesisError(RuntimeError):
    """This provider could not speak this text (the next provider may)."""


class SynthesizerUnavailable(SynthesisError):
    """The engine itself is down or unreachable (timeout, connection refused, binary missing).

    Unlike a plain SynthesisError, this says nothing about the text, so the chain's circuit breaker opens.
    """


class NoVoice(SynthesisError):
    """No engine speaks this language (Tibetan today): the caller answers with text only."""

    def __init__(self, language: str) -> None:
        super().__init__(f"no voice for language {language!r}: answer with text only")
        self.language = language


def split_tag(tag: str) -> tuple[str, str | None]:
    """'zh-northeastern' -> ('zh', 'northeastern'); 'yue' -> ('yue', None); 'zh-HK' -> ('yue', None)."""
    tag = (tag or "").strip().lower().replace("_", "-")
    if tag in _BASE_ALIASES:
        return _BASE_ALIASES[tag], None
    base, _, dialect = tag.partition("-")
    base = _BASE_ALIASES.get(base, base)
    if not dialect:
        return base, None
    if dialect == "cantonese":
        return "yue", None
    if dialect in ("cn", "hans", "hant", "tw"):  # a region or script, not a dialect
        return base, None
    return base, _DIALECT_ALIASES.get(dialect, dialect)


def language_tag(language: str, dialect: str | None = None) -> str:
    """The tag to pass as `language` when the conversation has a recognised dialect."""
    base, _ = split_tag(language)
    if dialect and base == "zh":
        return f"zh-{_DIALECT_ALIASES.get(dialect.lower(), dialect.lower())}"
    return base


def registry_voices(engine: str, *, dialects: bool = False) -> dict[str, str]:
    """Language tag -> voice of one engine, as languages/registry.yml gives them (`tts`; with `dialects`, also
    each dialect's own voice under its tag, e.g. "zh-northeastern": that is what `dialect_voices` are for)."""
    voices: dict[str, str] = {}
    for code, language in languages.languages().items():
        if engine in language.tts:
            voices[code] = language.tts[engine]
            if dialects:
                voices |= {f"{code}-{dialect}": voice for dialect, voice in language.dialect_voices.items()}
    return voices


def normalise_tag(tag: str) -> str:
    base, dialect = split_tag(tag)
    return f"{base}-{dialect}" if dialect else base


def check_rate(rate: float) -> float:
    """Rates are speed factors: 1.0 normal, 0.8 = 20% slower for seniors. Out-of-range rates are clamped."""
    if not rate or rate != rate:  # 0 or NaN
        return 1.0
    return min(MAX_RATE, max(MIN_RATE, float(rate)))


def check_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise SynthesisError("empty text")
    return text


def checked(speech: Speech) -> Speech:
    """A provider's answer is only an answer when it holds audio: an empty file is a failure."""
    if not speech.audio:
        raise SynthesisError(f"{speech.engine} returned empty audio")
    return speech
