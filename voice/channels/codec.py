"""Telephone audio: μ-law ↔ 16-bit PCM and resampling, with the stdlib `audioop` (Python 3.10)."""

from __future__ import annotations

import audioop
import io
import math
import wave

from voice.speech import Audio

SAMPLE_WIDTH = 2  # 16-bit PCM everywhere inside the gateway
TELEPHONE_RATE = 8000
RECOGNITION_RATE = 16000


def ulaw_to_pcm(ulaw: bytes) -> bytes:
    return audioop.ulaw2lin(ulaw, SAMPLE_WIDTH)


def pcm_to_ulaw(pcm: bytes) -> bytes:
    return audioop.lin2ulaw(pcm, SAMPLE_WIDTH)


class Resampler:
    """Streaming rate conversion: keeps `ratecv`'s filter state so chunk borders do not click."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.from_rate, self.to_rate = from_rate, to_rate
        self._state = None

    def convert(self, pcm: bytes) -> bytes:
        if self.from_rate == self.to_rate or not pcm:
            return pcm
        out, self._state = audioop.ratecv(pcm, SAMPLE_WIDTH, 1, self.from_rate, self.to_rate, self._state)
        return out


def resample(audio: Audio, to_rate: int) -> Audio:
    return Audio(Resampler(audio.sample_rate, to_rate).convert(audio.pcm), to_rate)


def rms_dbfs(pcm: bytes) -> float:
    """Loudness of a chunk in dB relative to full scale (-96 for digital silence)."""
    if len(pcm) < SAMPLE_WIDTH:
        return -96.0
    rms = audioop.rms(pcm, SAMPLE_WIDTH)
    return -96.0 if rms == 0 else 20 * math.log10(rms / 32768)


def wav_bytes(audio: Audio) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(audio.sample_rate)
        out.writeframes(audio.pcm)
    return buffer.getvalue()
