"""Audio in one place: audio files → PCM, WAV in and out, μ-law, resampling, float samples, loudness.

Inside the gateway audio is always mono 16-bit little-endian PCM (`voice.speech.Audio`). Decoding uploads and
resampling use PyAV (FFmpeg, already a dependency of faster-whisper), so no ffmpeg binary is needed; bad
input becomes an ``AudioError`` whose ``code`` the gateway puts in its JSON error (empty, too_long, corrupt,
unsupported_format), never a 500.

The MMS worker (voice/mms/worker.py, its own Python 3.11 venv without PyAV) imports this module for WAV in
and out: keep the top-level imports to the standard library and numpy, and import PyAV where it is used.
"""

from __future__ import annotations

import audioop
import io
import math
import os
import wave
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from voice.speech import Audio

if TYPE_CHECKING:
    import av

SAMPLE_WIDTH = 2  # 16-bit PCM everywhere inside the gateway
TELEPHONE_RATE = 8000
RECOGNITION_RATE = 16000  # what Whisper, Silero VAD and MMS take
DEFAULT_MAX_SECONDS = 30.0
# FFmpeg demuxer names of the formats the contract accepts; browsers record webm/ogg (Opus), apps wav/mp3.
ACCEPTED_FORMATS = frozenset({"wav", "mp3", "ogg", "matroska,webm"})
# Leading bytes of the accepted formats: input that starts like one of them but does not decode is corrupt;
# anything else is simply not a format we take.
_MAGIC = (b"RIFF", b"RIFX", b"ID3", b"OggS", b"\x1a\x45\xdf\xa3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")


# --- audio files ------------------------------------------------------------------------------------------


class AudioError(ValueError):
    """Input that cannot become speech to recognise. ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def max_audio_seconds() -> float:
    return float(os.environ.get("VOICE_MAX_AUDIO_S", DEFAULT_MAX_SECONDS))


def decode_audio(
    data: bytes, *, max_seconds: float | None = None, sample_rate: int = RECOGNITION_RATE
) -> Audio:
    """Decode one audio file (wav, mp3, ogg, webm) to mono PCM at `sample_rate`; raises AudioError(code,
    message) for anything unusable."""
    import av

    limit = max_audio_seconds() if max_seconds is None else max_seconds
    if not data:
        raise AudioError("empty", "the audio is empty")
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.FFmpegError, ValueError, OSError) as error:
        if data.startswith(_MAGIC):
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
        pcm = _decode_stream(container, limit, sample_rate)
    if not pcm:
        raise AudioError("empty", "the audio contains no sound samples")
    return Audio(pcm=pcm, sample_rate=sample_rate)


def _decode_stream(container: av.container.InputContainer, limit_s: float, rate: int) -> bytes:
    import av

    resampler = _pcm_resampler(rate)
    max_bytes = int(limit_s * rate) * SAMPLE_WIDTH
    chunks: list[bytes] = []
    size = 0
    try:
        for frame in container.decode(container.streams.audio[0]):
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


# --- resampling -------------------------------------------------------------------------------------------


def _pcm_resampler(rate: int) -> Any:
    import av

    return av.AudioResampler(format="s16", layout="mono", rate=rate)


def _append(chunks: list[bytes], frames: Iterable[Any]) -> int:
    added = 0
    for frame in frames:
        # s16 mono is packed: plane 0 holds exactly samples * 2 bytes (the buffer may carry padding).
        data = bytes(frame.planes[0])[: frame.samples * SAMPLE_WIDTH]
        chunks.append(data)
        added += len(data)
    return added


class Resampler:
    """Rate conversion of a stream of PCM chunks (FFmpeg's swresample). The filter state is carried from
    chunk to chunk, so borders do not click and the chunks join to exactly what one call gives; a few
    milliseconds stay in the filter until `flush`."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.from_rate, self.to_rate = from_rate, to_rate
        self._resampler = _pcm_resampler(to_rate) if from_rate != to_rate else None

    def convert(self, pcm: bytes, *, flush: bool = False) -> bytes:
        if self._resampler is None:
            return pcm
        import av

        chunks: list[bytes] = []
        if pcm:
            samples = np.frombuffer(pcm[: len(pcm) // SAMPLE_WIDTH * SAMPLE_WIDTH], dtype="<i2")
            frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = self.from_rate
            _append(chunks, self._resampler.resample(frame))
        if flush:
            _append(chunks, self._resampler.resample(None))
        return b"".join(chunks)


def resample(audio: Audio, rate: int = RECOGNITION_RATE) -> Audio:
    """The same PCM at another sample rate (telephone audio arrives at 8 kHz)."""
    if audio.sample_rate == rate or not audio.pcm:
        return audio
    return Audio(Resampler(audio.sample_rate, rate).convert(audio.pcm, flush=True), rate)


# --- WAV (standard library only: the MMS worker uses these) ------------------------------------------------


class WavError(ValueError):
    """The bytes are not a WAV file this project reads (mono or multi-channel 16-bit PCM)."""


def encode_wav(pcm: bytes, sample_rate: int) -> bytes:
    """Mono 16-bit little-endian PCM -> a complete WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def decode_wav(data: bytes) -> tuple[bytes, int, int]:
    """A WAV file -> (16-bit PCM frames, sample rate, channels); anything but 16-bit PCM raises WavError.

    The frame count in the header is not trusted: espeak-ng writes 0x7FFFFFFF when it streams to a pipe,
    so the data runs to the end of the file (cut to whole frames)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as src:
            width, channels, rate = src.getsampwidth(), src.getnchannels(), src.getframerate()
            frames = src.readframes(src.getnframes())
    except (wave.Error, EOFError) as exc:
        raise WavError(f"not a readable WAV file ({exc})") from exc
    if width != SAMPLE_WIDTH:
        raise WavError(f"WAV must be 16-bit PCM, got {8 * width}-bit samples")
    if rate <= 0 or channels <= 0:
        raise WavError("WAV header has no sample rate or no channels")
    return frames[: len(frames) - len(frames) % (SAMPLE_WIDTH * channels)], rate, channels


def read_wav(data: bytes) -> Audio:
    """A mono 16-bit WAV file as Audio (what the local voices write)."""
    pcm, rate, channels = decode_wav(data)
    if channels != 1:
        raise WavError("expected mono 16-bit WAV")
    return Audio(pcm=pcm, sample_rate=rate)


# --- telephone audio, samples, loudness ---------------------------------------------------------------------


def ulaw_to_pcm(ulaw: bytes) -> bytes:
    return audioop.ulaw2lin(ulaw, SAMPLE_WIDTH)


def pcm_to_ulaw(pcm: bytes) -> bytes:
    return audioop.lin2ulaw(pcm, SAMPLE_WIDTH)


def to_float32(audio: Audio) -> np.ndarray:
    """The [-1, 1] float samples Whisper and Silero VAD take."""
    return np.frombuffer(audio.pcm, dtype="<i2").astype(np.float32) / 32768.0


def from_float32(samples: np.ndarray, sample_rate: int = RECOGNITION_RATE) -> Audio:
    clipped = np.clip(samples, -1.0, 1.0)
    return Audio(pcm=(clipped * 32767.0).astype("<i2").tobytes(), sample_rate=sample_rate)


def rms(audio: Audio) -> float:
    """Root mean square in [0, 1]: tells real speech from a file of silence."""
    if len(audio.pcm) < SAMPLE_WIDTH:
        return 0.0
    return audioop.rms(audio.pcm[: len(audio.pcm) // SAMPLE_WIDTH * SAMPLE_WIDTH], SAMPLE_WIDTH) / 32768


def rms_dbfs(pcm: bytes) -> float:
    """Loudness of a chunk in dB relative to full scale (-96 for digital silence)."""
    level = rms(Audio(pcm, RECOGNITION_RATE))
    return -96.0 if level == 0 else 20 * math.log10(level)
