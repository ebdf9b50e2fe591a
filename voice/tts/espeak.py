"""espeak-ng (Debian package `espeak-ng`): robotic, but offline, instant, and our local Cantonese and Uyghur.

Mandarin is a last resort: espeak-ng's `cmn` voice reads Han characters as English letter names, so Han text
is first turned into tone-numbered pinyin with pypinyin and read by `cmn-latn-pinyin`. There is no Tibetan
voice (Tibetan text comes out as Unicode character names), so `supports("bo")` is False.
"""

from __future__ import annotations

import asyncio
import shutil

from pypinyin import Style, lazy_pinyin

from voice.audio import WavError, encode_wav, read_wav
from voice.speech import Speech
from voice.tts.base import (
    SynthesisError,
    SynthesizerUnavailable,
    check_rate,
    check_text,
    registry_voices,
    split_tag,
)

VOICES = registry_voices("espeak")  # language -> espeak-ng voice (zh: cmn-latn-pinyin)
DEFAULT_WPM = 175  # espeak-ng's own default speed


def to_pinyin(text: str) -> str:
    """'我想开户，好的' -> 'wo3 xiang3 kai1 hu4 ， hao3 de5' (neutral tone as 5; other characters kept)."""
    return " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True))


class EspeakSynthesizer:
    format = "wav"
    remote = False

    def __init__(
        self,
        languages: tuple[str, ...] = tuple(VOICES),
        *,
        binary: str | None = None,
        timeout_s: float = 5.0,
        name: str = "espeak-ng",
    ) -> None:
        self.name = name
        self.binary = binary or shutil.which("espeak-ng")
        self.voices = {lang: VOICES[lang] for lang in languages if lang in VOICES}
        self.timeout_s = timeout_s

    def voice_for(self, language: str) -> str | None:
        return self.voices.get(split_tag(language)[0]) if self.binary else None

    def supports(self, language: str) -> bool:
        return self.voice_for(language) is not None

    async def synthesize(self, text: str, language: str, *, rate: float = 1.0) -> Speech:
        text = check_text(text)
        voice = self.voice_for(language)
        if voice is None:
            raise SynthesisError(f"espeak-ng has no voice for {language!r}")
        if voice == "cmn-latn-pinyin":
            text = to_pinyin(text)
        wpm = max(80, round(DEFAULT_WPM * check_rate(rate)))
        # Text goes in on stdin: never parsed as options, whatever it starts with.
        args = [self.binary, "-v", voice, "-s", str(wpm), "-b", "1", "--stdout"]
        try:
            proc = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as e:
            raise SynthesizerUnavailable(f"cannot start espeak-ng: {e}") from e
        try:
            out, err = await asyncio.wait_for(proc.communicate(text.encode("utf-8")), timeout=self.timeout_s)
        except asyncio.TimeoutError as e:
            proc.kill()
            await proc.wait()
            raise SynthesizerUnavailable(f"espeak-ng took more than {self.timeout_s:.0f} s") from e
        if proc.returncode != 0:
            raise SynthesisError(f"espeak-ng exited {proc.returncode}: {err.decode(errors='replace')[:200]}")
        try:
            audio = read_wav(out)
        except WavError as e:
            raise SynthesisError(f"espeak-ng wrote no valid WAV: {e}") from e
        if not audio.pcm:
            raise SynthesisError("espeak-ng produced no audio")
        # Rewrap: the header espeak-ng streams to a pipe carries placeholder sizes that some players reject.
        return Speech(
            audio=encode_wav(audio.pcm, audio.sample_rate), format=self.format, engine=self.name, voice=voice
        )
