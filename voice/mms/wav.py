"""WAV in and out with the standard library only, so the worker (3.11) and the client (3.10) share it."""

from __future__ import annotations

import io
import wave


class WavError(ValueError):
    """The bytes are not a WAV file this project reads (mono or multi-channel 16-bit PCM)."""


def encode_wav(pcm: bytes, sample_rate: int) -> bytes:
    """Mono 16-bit little-endian PCM -> a complete WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def decode_wav(data: bytes) -> tuple[bytes, int, int]:
    """A WAV file -> (16-bit PCM frames, sample rate, channels); anything but 16-bit PCM raises WavError."""
    try:
        with wave.open(io.BytesIO(data), "rb") as src:
            width, channels, rate = src.getsampwidth(), src.getnchannels(), src.getframerate()
            frames = src.readframes(src.getnframes())
    except (wave.Error, EOFError) as exc:
        raise WavError(f"not a readable WAV file ({exc})") from exc
    if width != 2:
        raise WavError(f"WAV must be 16-bit PCM, got {8 * width}-bit samples")
    if rate <= 0 or channels <= 0:
        raise WavError("WAV header has no sample rate or no channels")
    return frames, rate, channels
