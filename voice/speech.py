"""What the voice side exchanges: audio, transcripts, synthesised speech, and the two provider interfaces.

Every speech provider (Whisper, MMS, edge-tts, the local voices) implements one of the two protocols below, so
channels never know which engine answered. Audio inside the gateway is always mono 16-bit little-endian PCM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit little-endian PCM."""

    pcm: bytes
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate if self.sample_rate else 0.0


@dataclass(frozen=True)
class RecognitionContext:
    """What the conversation knows before the user speaks: it makes recognition better and safer."""

    language: str | None = None  # the conversation's language: zh, yue, bo, ug
    step: str | None = None  # the step being asked (flow.md names: phone, id_number, risk_q1, …)
    expects: str | None = None  # value | confirm | choice
    hotwords: tuple[str, ...] = ()  # words likely in the answer (option texts, bank names)


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str | None
    engine: str
    audio_s: float
    elapsed_s: float
    # Why the transcript must not be acted on (no_speech, repetition, hallucination, too_long,
    # unsupported_language); None when it is usable. The channel then asks the user to repeat.
    rejected: str | None = None
    details: dict[str, float] = field(default_factory=dict)


class SpeechRecognizer(Protocol):
    name: str

    def supports(self, language: str | None) -> bool: ...

    def transcribe(self, audio: Audio, context: RecognitionContext) -> Transcript: ...


@dataclass(frozen=True)
class Speech:
    audio: bytes  # a complete file in `format`; never empty
    format: str  # mp3 | wav
    engine: str
    voice: str


class SpeechSynthesizer(Protocol):
    name: str

    def supports(self, language: str) -> bool: ...

    async def synthesize(self, text: str, language: str, *, rate: float = 1.0) -> Speech: ...
