"""Replies as speech: split into sentences, synthesised one after another, joined again where needed.

A reply can be long (the personal-information notice reads for over a minute and takes ~10 s to
synthesise offline). Speaking it sentence by sentence lets the first sentence play after a fraction of a
second, keeps each synthesis inside the TTS chain's time budget, and lets the cache reuse fixed sentences
even when the reply also reads back a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from voice.audio import decode_audio, encode_wav
from voice.speech import Speech

AudioStatus = Literal["ok", "partial", "text_only", "failed", "no_text"]
MAX_PIECE_CHARS = 60
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])|(?<=[.:：] )")
_CLAUSE_END = re.compile(r"(?<=[,，、：:])")


def split_for_speech(text: str, max_chars: int = MAX_PIECE_CHARS) -> list[str]:
    """Sentences, long ones cut at clause marks; never inside a number such as 2025.1."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        if len(sentence) <= max_chars:
            pieces.append(sentence)
            continue
        current = ""
        for clause in _CLAUSE_END.split(sentence):
            if current and len(current) + len(clause) > max_chars:
                pieces.append(current.strip())
                current = ""
            current += clause
        if current.strip():
            pieces.append(current.strip())
    return [p for p in pieces if any(ch.isalnum() for ch in p)]


def shown(message: dict[str, Any]) -> bool:
    """The replies a chat client shows (text or a custom payload), as /api/chat answers them."""
    return bool(message.get("text") or message.get("custom"))


@dataclass(frozen=True)
class SpokenPart:
    """One piece of one reply. `last` closes the reply; a piece without speech carries why."""

    index: int  # which reply of the turn
    message: dict[str, Any]
    speech: Speech | None
    status: AudioStatus
    last: bool


@dataclass(frozen=True)
class SpokenReply:
    """A whole reply with its audio joined into one file (for /api/voice/turn)."""

    message: dict[str, Any]
    speech: Speech | None
    status: AudioStatus


def join_speech(parts: list[Speech]) -> Speech:
    """One file from consecutive pieces: MP3 frames simply concatenate; anything else becomes WAV."""
    if len(parts) == 1:
        return parts[0]
    engines = "+".join(dict.fromkeys(p.engine for p in parts))
    voices = "+".join(dict.fromkeys(p.voice for p in parts))
    if all(p.format == "mp3" for p in parts):
        return Speech(b"".join(p.audio for p in parts), "mp3", engines, voices)
    decoded = [decode_audio(p.audio, max_seconds=600) for p in parts]
    pcm = b"".join(a.pcm for a in decoded)
    return Speech(encode_wav(pcm, decoded[0].sample_rate), "wav", engines, voices)


def whole_replies(parts: list[SpokenPart]) -> list[SpokenReply]:
    replies: list[SpokenReply] = []
    for index in dict.fromkeys(p.index for p in parts):
        mine = [p for p in parts if p.index == index]
        speeches = [p.speech for p in mine if p.speech is not None]
        status = mine[-1].status
        if speeches and status != "ok":
            status = "partial"  # the first sentences were spoken, a later one failed
        replies.append(SpokenReply(mine[0].message, join_speech(speeches) if speeches else None, status))
    return replies
