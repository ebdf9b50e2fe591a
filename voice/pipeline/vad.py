"""Endpointing: when does the user start and stop speaking?

Silero VAD (the ONNX model faster-whisper ships, so nothing is downloaded) scores every 32 ms window of
16 kHz audio; an energy floor keeps line hiss and digital silence from ever counting as speech. Speech
starts after a few speech windows in a row and ends after a stretch of silence, longer for seniors,
who pause more mid-sentence. Once the user has been silent for early_ms the utterance is announced
(SpeechPausing) so recognition can start while the rest of the closing silence runs out.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np

from voice.audio import RECOGNITION_RATE, rms_dbfs
from voice.pipeline.frames import (
    AudioIn,
    ConversationUpdated,
    Frame,
    SpeechEnded,
    SpeechPausing,
    SpeechProgress,
    SpeechStarted,
    Tick,
    UserEndOfSpeech,
)
from voice.pipeline.processor import DOWNSTREAM, Direction, FrameProcessor
from voice.speech import Audio

WINDOW = 512  # samples per Silero window at 16 kHz (32 ms)
WINDOW_BYTES = WINDOW * 2
CONTEXT = 64  # samples of the previous window the model sees
WINDOW_MS = WINDOW * 1000 // RECOGNITION_RATE
KEPT_TAIL_MS = 200  # trailing silence kept on an utterance: Whisper hallucinates on long silent tails


@functools.lru_cache(maxsize=1)
def _session():
    from faster_whisper.vad import get_vad_model  # ships silero_vad_v6.onnx; loads in ~50 ms

    return get_vad_model().session


class StreamingVad:
    """Speech probability per 512-sample window, carrying the model's LSTM state between chunks."""

    def __init__(self) -> None:
        self._session = _session()
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = b""

    def windows(self, pcm: bytes) -> list[tuple[float, bytes]]:
        """(speech probability, the window's PCM) for each complete window the chunk finishes."""
        data = self._pending + pcm
        count = len(data) // WINDOW_BYTES
        self._pending = data[count * WINDOW_BYTES :]
        if count == 0:
            return []
        whole = data[: count * WINDOW_BYTES]
        windows = (np.frombuffer(whole, dtype="<i2").astype(np.float32) / 32768).reshape(count, WINDOW)
        contexts = np.concatenate([self._context[None, :], windows[:-1, -CONTEXT:]])
        self._context = windows[-1, -CONTEXT:].copy()
        batch = np.concatenate([contexts, windows], axis=1)
        probs, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        pcm_windows = (whole[i * WINDOW_BYTES : (i + 1) * WINDOW_BYTES] for i in range(count))
        return [(float(p), w) for p, w in zip(np.ravel(probs), pcm_windows, strict=True)]


@dataclass(frozen=True)
class EndpointConfig:
    start_prob: float = 0.5
    end_prob: float = 0.35  # hysteresis: a window must fall below this to count as silence
    start_windows: int = 3  # ~100 ms of speech before a turn starts (coughs and clicks are shorter)
    end_silence_ms: int = 700
    preroll_ms: int = 300  # kept before the start so the first syllable is not clipped
    min_dbfs: float = -50.0  # quieter windows are silence whatever the model says
    max_speech_s: float = 30.0
    # After this much silence the utterance is announced (SpeechPausing) so recognition can start while
    # the rest of end_silence_ms runs out; 0 turns it off. Earlier wastes more decodes on mid-sentence pauses.
    early_ms: int = 300

    @classmethod
    def for_user(cls, senior: bool) -> EndpointConfig:
        """VOICE_END_SILENCE_MS (700) and VOICE_SENIOR_END_SILENCE_MS (1100): shorter answers faster,
        but cuts off people who pause mid-sentence (a read FLEURS clip has a 672 ms pause).
        VOICE_EARLY_ASR_MS (300): when recognition may start."""
        early = int(os.environ.get("VOICE_EARLY_ASR_MS", cls.early_ms))
        if senior:
            end = int(os.environ.get("VOICE_SENIOR_END_SILENCE_MS", 1100))
        else:
            end = int(os.environ.get("VOICE_END_SILENCE_MS", cls.end_silence_ms))
        return cls(end_silence_ms=end, early_ms=early)


class Endpointer:
    """Feed 16 kHz PCM in any chunk size; get SpeechStarted / SpeechPausing / SpeechEnded frames."""

    def __init__(self, config: EndpointConfig | None = None, vad: StreamingVad | None = None) -> None:
        self.config = config or EndpointConfig()
        self.vad = vad or StreamingVad()
        self.in_speech = False
        self._speech: list[bytes] = []
        self._preroll: list[bytes] = []
        self._run = 0  # consecutive speech windows before start, or silent windows after it

    @property
    def pausing(self) -> bool:
        """In an utterance, and the latest window was silence: the end may be moments away."""
        return self.in_speech and self._run > 0

    @property
    def speech_audio(self) -> Audio:
        """The current utterance so far (for partial transcripts)."""
        return Audio(b"".join(self._speech), RECOGNITION_RATE)

    def progress(self) -> SpeechProgress:
        return SpeechProgress(tuple(self._speech), self.pausing)

    def reset(self) -> None:
        self.vad.reset()
        self.in_speech, self._speech, self._preroll, self._run = False, [], [], 0

    def force_end(self) -> SpeechEnded | None:
        """The client says the user stopped (push-to-talk released)."""
        if not self.in_speech:
            return None
        return self._end("client")

    def feed(self, pcm: bytes) -> list[SpeechStarted | SpeechPausing | SpeechEnded]:
        events: list[SpeechStarted | SpeechPausing | SpeechEnded] = []
        cfg = self.config
        keep = max(cfg.preroll_ms // WINDOW_MS, cfg.start_windows)
        for prob, window in self.vad.windows(pcm):
            loud = rms_dbfs(window) >= cfg.min_dbfs
            if not self.in_speech:
                self._preroll.append(window)
                self._run = self._run + 1 if loud and prob >= cfg.start_prob else 0
                if self._run >= cfg.start_windows:
                    self._speech, self._preroll = self._preroll[-keep:], []
                    self.in_speech, self._run = True, 0
                    events.append(SpeechStarted())
                else:
                    del self._preroll[:-keep]
                continue
            self._speech.append(window)
            silent = not loud or prob < cfg.end_prob
            self._run = self._run + 1 if silent else 0
            if self._run * WINDOW_MS >= cfg.end_silence_ms:
                events.append(self._end("silence"))
            elif self._run == self._early_windows:
                events.append(SpeechPausing(self._utterance()))
            elif len(self._speech) * WINDOW_MS >= cfg.max_speech_s * 1000:
                events.append(self._end("max_length"))
        return events

    @property
    def _early_windows(self) -> int:
        """The silent window that triggers SpeechPausing (-1: never)."""
        cfg = self.config
        if cfg.early_ms <= 0 or cfg.early_ms >= cfg.end_silence_ms:
            return -1
        return max(-(-cfg.early_ms // WINDOW_MS), KEPT_TAIL_MS // WINDOW_MS)

    def _utterance(self, trim_silence: bool = True) -> Audio:
        """The speech so far, with at most KEPT_TAIL_MS of the trailing silence."""
        tail = max(self._run - KEPT_TAIL_MS // WINDOW_MS, 0) if trim_silence else 0
        return Audio(b"".join(self._speech[: len(self._speech) - tail]), RECOGNITION_RATE)

    def _end(self, reason: str) -> SpeechEnded:
        audio = self._utterance(trim_silence=reason == "silence")
        self.in_speech, self._speech, self._preroll, self._run = False, [], [], 0
        return SpeechEnded(audio, reason)


class Endpointing(FrameProcessor):
    """AudioIn → SpeechStarted, SpeechPausing, SpeechEnded (and SpeechProgress while the user speaks).
    Seniors get the longer closing silence; a Tick goes no further while the user speaks."""

    def __init__(self, endpointer: Endpointer | None = None) -> None:
        super().__init__()
        self.endpointer = endpointer or Endpointer()

    async def process(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, AudioIn):
            for event in self.endpointer.feed(frame.pcm):
                await self.push(event)
            if self.endpointer.in_speech:
                await self.push(self.endpointer.progress())
            return
        if isinstance(frame, UserEndOfSpeech):
            ended = self.endpointer.force_end()
            if ended is not None:
                await self.push(ended)
            return
        if isinstance(frame, ConversationUpdated):
            self.endpointer.config = EndpointConfig.for_user(frame.senior)
        elif isinstance(frame, Tick) and direction is DOWNSTREAM and self.endpointer.in_speech:
            return
        await self.push(frame, direction)
