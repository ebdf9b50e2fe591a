"""Small WAV helpers: the local engines produce PCM that we wrap in a proper RIFF header."""

from __future__ import annotations

import io
import wave

import numpy as np

from voice.mms.wav import encode_wav as pcm_to_wav  # stdlib-only, shared with the MMS worker
from voice.speech import Audio

__all__ = ["float_to_pcm", "pcm_to_wav", "read_wav", "rms"]


def float_to_pcm(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] to 16-bit little-endian PCM."""
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def read_wav(data: bytes) -> Audio:
    """Parse a 16-bit mono WAV. espeak-ng writes 0x7FFFFFFF as the size when it streams to a pipe, so the
    frame count in the header is not trusted: the data chunk runs to the end of the file."""
    with wave.open(io.BytesIO(data), "rb") as src:
        if src.getsampwidth() != 2 or src.getnchannels() != 1:
            raise ValueError("expected mono 16-bit WAV")
        rate = src.getframerate()
        pcm = src.readframes(src.getnframes())
    return Audio(pcm=pcm[: len(pcm) // 2 * 2], sample_rate=rate)


def rms(audio: Audio) -> float:
    """Root mean square in [0, 1]: tells real speech from a file of silence."""
    samples = np.frombuffer(audio.pcm, dtype="<i2").astype(np.float32) / 32768.0
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
