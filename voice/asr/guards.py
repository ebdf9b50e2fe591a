"""Reject garbage instead of acting on it.

An assistant that opens accounts must never act on words nobody said. Whisper's known failure modes on short,
quiet or noisy clips are: text on silence ("请不吝点赞 订阅…"), repetition loops ("开虎,虎,虎…"), English on a
Chinese clip, and (with a prompt) the prompt echoed back. Each check below returns a reason for
``Transcript.rejected``; the channel then asks the user to repeat, which is cheap, while a wrong phone number
or a false "同意" is not.

Two stages: ``speech_span`` (Silero VAD, before decoding, so silence costs no decoding) and ``check``
(after decoding, on the text and Whisper's own scores).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from voice.audio import RECOGNITION_RATE as SAMPLE_RATE

# Reasons (stable strings: the channel and the logs use them).
NO_SPEECH = "no_speech"
REPETITION = "repetition"
HALLUCINATION = "hallucination"
LOW_CONFIDENCE = "low_confidence"
TOO_LONG = "too_long"
UNSUPPORTED_LANGUAGE = "unsupported_language"

# Speech shorter than this is a click or a breath, not an answer (the shortest answers, 对/是, last ~0.3 s).
MIN_SPEECH_S = 0.25
# Mandarin is spoken at 4-6 syllables/s, fast speakers reach 8; more characters than this per second of speech
# (plus a few for a short answer) cannot have been said.
MAX_CHARS_PER_S = 9.0
EXTRA_CHARS = 6
# Whisper's classic texts on silence and music, learnt from subtitled videos (simplified forms).
_SUBTITLE_PHRASES = re.compile(
    r"点赞|订阅|打赏|明镜|字幕|独播剧场|谢谢观看|感谢观看|感谢收看|下期再见|请不吝|by\s*索兰娅",
    re.IGNORECASE,
)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_TIBETAN = re.compile(r"[\u0f00-\u0fff]")
# Latin answers people really give in a Chinese conversation: OK, yes/no, an option letter, the ID's X.
_LATIN_ANSWERS = re.compile(r"(?i)ok|okay|yes|no|[a-dx]")
_PUNCT_SPACE = re.compile(r"[\s\W_]+", re.UNICODE)
# A unit of 2-10 characters said 4+ times in a row, or one character 8+ times: a decoding loop. Real speech
# repeats less (对对对对 is 4 × 1 character; an ID has at most a few equal digits in a row).
_LOOP_LONG_UNIT = re.compile(r"(.{2,10}?)\1{3,}")
_LOOP_ONE_CHAR = re.compile(r"(.)\1{7,}")


@dataclass(frozen=True)
class Decoded:
    """What the guards need to know about one decoding result."""

    text: str
    avg_logprob: float
    no_speech_prob: float
    prompt: str | None = None  # the vocabulary prompt that was given, to catch it echoed back


def speech_span(samples: np.ndarray, threshold: float = 0.5, pad_s: float = 0.3) -> tuple[int, int] | None:
    """First and last speech sample (padded) by Silero VAD, or None when there is no speech at all.

    Only the outer silence is cut: the pauses inside an answer carry the grouping of a number read out in
    chunks (138, 1234, 5678), so they are kept.
    """
    options = VadOptions(
        threshold=threshold,
        min_speech_duration_ms=int(MIN_SPEECH_S * 1000),
        min_silence_duration_ms=500,
        speech_pad_ms=int(pad_s * 1000),
    )
    regions = get_speech_timestamps(samples, options, sampling_rate=SAMPLE_RATE)
    if not regions:
        return None
    return regions[0]["start"], regions[-1]["end"]


def compression_ratio(text: str) -> float:
    """Whisper's loop detector: highly repetitive text compresses well."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def content(text: str) -> str:
    """The text without spaces and punctuation (what lengths and scripts are measured on)."""
    return _PUNCT_SPACE.sub("", text)


def _wrong_script(core: str, language: str) -> bool:
    """Text in a script the language is not written in (Whisper answering in English or Japanese kana)."""
    if language in ("zh", "yue"):
        if _LATIN_ANSWERS.fullmatch(core):
            return False
        han = len(_HAN.findall(core))
        latin = len(_LATIN.findall(core))
        digits = sum(ch.isdigit() for ch in core)
        # A few letters are normal (身份证号尾号X, 选B, offer); a mostly-Latin answer is not Chinese.
        return han + digits < max(1, latin) or (han == 0 and digits == 0)
    if language == "bo":
        return len(_TIBETAN.findall(core)) < len(core) / 2
    return False


def echoes_prompt(text: str, prompt: str | None) -> bool:
    """The vocabulary prompt (or two of its items in a row) came back instead of the user's words."""
    if not prompt:
        return False
    core = content(text)
    items = [content(item) for item in re.split(r"[，,。、；;\s]+", prompt) if content(item)]
    if content(prompt) and content(prompt) in core:
        return True
    pairs = ("".join(items[i : i + 2]) for i in range(len(items) - 1))
    return any(len(pair) >= 4 and pair in core for pair in pairs)


def check(
    decoded: Decoded,
    *,
    speech_s: float,
    language: str,
    no_speech_prob: float = 0.6,
    min_avg_logprob: float = -1.0,
    max_compression_ratio: float = 2.4,
) -> str | None:
    """The reason this decoding must not be acted on, or None when it is usable."""
    core = content(decoded.text)
    if not core:
        return NO_SPEECH
    # Whisper's own silence rule: the model thinks nobody spoke *and* is unsure of the words.
    if decoded.no_speech_prob > no_speech_prob and decoded.avg_logprob < min_avg_logprob:
        return NO_SPEECH
    if _LOOP_LONG_UNIT.search(core) or _LOOP_ONE_CHAR.search(core):
        return REPETITION
    if len(core) > 12 and compression_ratio(decoded.text) > max_compression_ratio:
        return REPETITION
    if len(core) > MAX_CHARS_PER_S * speech_s + EXTRA_CHARS:
        return HALLUCINATION
    if _SUBTITLE_PHRASES.search(decoded.text) or echoes_prompt(decoded.text, decoded.prompt):
        return HALLUCINATION
    if _wrong_script(core, language):
        return HALLUCINATION
    if decoded.avg_logprob < min_avg_logprob:
        return LOW_CONFIDENCE
    return None
