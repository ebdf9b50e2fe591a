"""Speech files → 8 kHz μ-law frames for the phone line."""

from __future__ import annotations

import base64

from voice.asr.audio_io import decode_audio
from voice.channels.codec import TELEPHONE_RATE, pcm_to_ulaw, resample
from voice.speech import Speech

FRAME_MS = 20  # Twilio sends 20 ms frames; we answer in the same size so `clear` cuts playback promptly
FRAME_BYTES = TELEPHONE_RATE * FRAME_MS // 1000  # μ-law: one byte per sample
MAX_REPLY_S = 120.0


def speech_to_ulaw(speech: Speech) -> bytes:
    """Decode a synthesised reply (mp3 or wav, any rate) to 8 kHz μ-law."""
    audio = decode_audio(speech.audio, max_seconds=MAX_REPLY_S)
    return pcm_to_ulaw(resample(audio, TELEPHONE_RATE).pcm)


def ulaw_frames(ulaw: bytes, frame_bytes: int = FRAME_BYTES) -> list[str]:
    """Base64 payloads of consecutive frames (the last one may be short)."""
    return [
        base64.b64encode(ulaw[i : i + frame_bytes]).decode("ascii") for i in range(0, len(ulaw), frame_bytes)
    ]
