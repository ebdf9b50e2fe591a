"""Speech files → 8 kHz μ-law frames for the phone line."""

from __future__ import annotations

import base64

from voice.audio import TELEPHONE_RATE, decode_audio, pcm_to_ulaw
from voice.speech import Speech

FRAME_MS = 20  # Twilio sends 20 ms frames; we answer in the same size so `clear` cuts playback promptly
FRAME_BYTES = TELEPHONE_RATE * FRAME_MS // 1000  # μ-law: one byte per sample
MAX_REPLY_S = 120.0


def speech_to_ulaw(speech: Speech) -> bytes:
    """Decode a synthesised reply (mp3 or wav, any rate) to 8 kHz μ-law."""
    return pcm_to_ulaw(decode_audio(speech.audio, max_seconds=MAX_REPLY_S, sample_rate=TELEPHONE_RATE).pcm)


def ulaw_frames(ulaw: bytes, frame_bytes: int = FRAME_BYTES) -> list[str]:
    """Base64 payloads of consecutive frames (the last one may be short)."""
    return [
        base64.b64encode(ulaw[i : i + frame_bytes]).decode("ascii") for i in range(0, len(ulaw), frame_bytes)
    ]
