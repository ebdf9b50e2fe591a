"""Uploaded audio bytes (wav, mp3, ogg, webm) → 16 kHz mono 16-bit PCM, with clear errors for bad input.

PyAV (FFmpeg, already a dependency of faster-whisper) does the decoding and resampling, so no ffmpeg binary is
needed. Bad input must become a 4xx with a reason, never a 500: every failure is an ``AudioError`` whose
``code`` the gateway can put in its JSON error (empty, too_long, corrupt, unsupported_format).
"""

from __future__ import annotations

import io
import os
import wave
from collections.abc import Iterable

import av
import numpy as np

from voice.speech import Audio

SAMPLE_RATE = 16_000
DEFAULT_MAX_SECONDS = 30.0
# FFmpeg demuxer names of the formats the contract accepts; browsers record webm/ogg (Opus), apps wav/mp3.
ACCEPTED_FORMATS = frozenset({"wav", "mp3", "ogg", "matroska,webm"})
# Leading bytes of the accepted formats: input that starts like one of them but does not decode is corrupt;
# anything else is simply not a format we take.
_MAGIC = (b"RIFF", b"RIFX", b"ID3", b"OggS", b"\x1a\x45\xdf\xa3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")


class AudioError(ValueError):
    """Input that cannot become speech to recognise. ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def max_audio_seconds() -> float:
    return float(os.environ.get("VOICE_MAX_AUDIO_S", DEFAULT_MAX_SECONDS))


def _looks_like_audio(data: bytes) -> bool:
    return data.startswith(_MAGIC) or data[:3] == b"ID3"


def decode_audio(data: bytes, *, max_seconds: float | None = None) -> Audio:
    """Decode one uploaded file; raises AudioError(code, message) for anything unusable."""
    limit = max_audio_seconds() if max_seconds is None else max_seconds
    if not data:
        raise AudioError("empty", "the audio is empty")
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.FFmpegError, ValueError, OSError) as error:
        if _looks_like_audio(data):
            raise AudioError("corrupt", "the audio file is damaged and cannot be decoded") from error
        raise AudioError(
            "unsupported_format", "unsupported audio format; send wav, mp3, ogg or webm"
        ) from error
    with container:
        if container.format.name not in ACCEPTED_FORMATS:
            raise AudioError(
                "unsupported_format",
                f"unsupported audio format {container.format.name!r}; send wav, mp3, ogg or webm",
            )
        if not container.streams.audio:
            raise AudioError("unsupported_format", "the file has no audio track")
        pcm = _decode_stream(container, limit)
    if not pcm:
        raise AudioError("empty", "the audio contains no sound samples")
    return Audio(pcm=pcm, sample_rate=SAMPLE_RATE)


def _decode_stream(container: av.container.InputContainer, limit_s: float) -> bytes:
    stream = container.streams.audio[0]
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    max_bytes = int(limit_s * SAMPLE_RATE) * 2
    chunks: list[bytes] = []
    size = 0
    try:
        for frame in container.decode(stream):
            size += _append(chunks, resampler.resample(frame))
            # Stop as soon as the limit is passed: a 2-hour upload must not be decoded in full first.
            if size > max_bytes:
                raise AudioError("too_long", f"the audio is longer than {limit_s:g} seconds")
        size += _append(chunks, resampler.resample(None))
    except av.FFmpegError as error:
        if not chunks:
            raise AudioError("corrupt", "the audio file is damaged and cannot be decoded") from error
        # A damaged tail (cut-off upload) still leaves usable speech: keep what decoded.
    if size > max_bytes:
        raise AudioError("too_long", f"the audio is longer than {limit_s:g} seconds")
    return b"".join(chunks)


def _append(chunks: list[bytes], frames: Iterable[av.AudioFrame]) -> int:
    added = 0
    for frame in frames:
        # s16 mono is packed: plane 0 holds exactly samples * 2 bytes (the buffer may carry padding).
        data = bytes(frame.planes[0])[: frame.samples * 2]
        chunks.append(data)
        added += len(data)
    return added


def resample(audio: Audio, rate: int = SAMPLE_RATE) -> Audio:
    """The same PCM at another sample rate (telephone audio arrives at 8 kHz)."""
    if audio.sample_rate == rate or not audio.pcm:
        return audio
    samples = np.frombuffer(audio.pcm, dtype="<i2").reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
    frame.sample_rate = audio.sample_rate
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
    chunks: list[bytes] = []
    _append(chunks, resampler.resample(frame))
    _append(chunks, resampler.resample(None))
    return Audio(pcm=b"".join(chunks), sample_rate=rate)


def to_float32(audio: Audio) -> np.ndarray:
    """The [-1, 1] float samples Whisper and Silero VAD take."""
    return np.frombuffer(audio.pcm, dtype="<i2").astype(np.float32) / 32768.0


def from_float32(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Audio:
    clipped = np.clip(samples, -1.0, 1.0)
    return Audio(pcm=(clipped * 32767.0).astype("<i2").tobytes(), sample_rate=sample_rate)


def to_wav(audio: Audio) -> bytes:
    """A complete WAV file of the PCM (for tests, benchmarks and storing consent audio)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(audio.sample_rate)
        out.writeframes(audio.pcm)
    return buffer.getvalue()
