"""The Twilio Media Streams wire format (JSON text frames), kept apart from what the call does with it.

Inbound: connected, start, media (base64 μ-law 8 kHz), dtmf, mark (our marks, echoed once played), stop.
Outbound: media (20 ms frames), mark, clear (drop whatever is still buffered: barge-in).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from voice.audio import TELEPHONE_RATE

FRAME_MS = 20  # Twilio sends 20 ms frames; we answer in the same size so `clear` cuts playback promptly
FRAME_BYTES = TELEPHONE_RATE * FRAME_MS // 1000  # μ-law: one byte per sample


@dataclass(frozen=True)
class Connected:
    pass


@dataclass(frozen=True)
class Start:
    stream_sid: str
    call_sid: str
    parameters: dict[str, str] = field(default_factory=dict)  # TwiML <Parameter>s (customParameters)
    encoding: str = "audio/x-mulaw"
    sample_rate: int = 8000


@dataclass(frozen=True)
class Media:
    ulaw: bytes
    track: str = "inbound"


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class Mark:
    name: str


@dataclass(frozen=True)
class Stop:
    pass


Event = Connected | Start | Media | Dtmf | Mark | Stop


class ProtocolError(ValueError):
    pass


def parse(frame: str) -> Event | None:
    """One inbound frame; None for events this channel does not use."""
    try:
        message: dict[str, Any] = json.loads(frame)
        kind = message.get("event")
        if kind == "connected":
            return Connected()
        if kind == "start":
            start = message["start"]
            fmt = start.get("mediaFormat") or {}
            return Start(
                stream_sid=message.get("streamSid") or start["streamSid"],
                call_sid=start.get("callSid") or "",
                parameters={str(k): str(v) for k, v in (start.get("customParameters") or {}).items()},
                encoding=fmt.get("encoding", "audio/x-mulaw"),
                sample_rate=int(fmt.get("sampleRate", 8000)),
            )
        if kind == "media":
            media = message["media"]
            return Media(base64.b64decode(media["payload"], validate=True), media.get("track", "inbound"))
        if kind == "dtmf":
            return Dtmf(str(message["dtmf"]["digit"]))
        if kind == "mark":
            return Mark(str(message["mark"]["name"]))
        if kind == "stop":
            return Stop()
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise ProtocolError(f"malformed media stream frame: {error}") from error
    return None


def ulaw_frames(ulaw: bytes, frame_bytes: int = FRAME_BYTES) -> list[str]:
    """Base64 payloads of consecutive frames (the last one may be short)."""
    return [
        base64.b64encode(ulaw[i : i + frame_bytes]).decode("ascii") for i in range(0, len(ulaw), frame_bytes)
    ]


def media(stream_sid: str, payload_b64: str) -> dict[str, Any]:
    return {"event": "media", "streamSid": stream_sid, "media": {"payload": payload_b64}}


def mark(stream_sid: str, name: str) -> dict[str, Any]:
    return {"event": "mark", "streamSid": stream_sid, "mark": {"name": name}}


def clear(stream_sid: str) -> dict[str, Any]:
    return {"event": "clear", "streamSid": stream_sid}
