"""Microsoft Edge's online neural voices through edge-tts 7.3.1: the best voices, including two dialects.

Needs internet. It fails in two ways that matter: offline it raises at once (DNS error) and, used through
`Communicate.save()`, leaves a 0-byte file; on a stalled connection it hangs for more than 100 s despite its
own timeouts. So audio is streamed into memory (no file to leave behind), the first audio chunk must arrive
within `first_byte_timeout_s`, and the whole call sits inside an outer `asyncio.wait_for`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import aiohttp
import edge_tts
from edge_tts import exceptions as edge_errors

from voice.speech import Speech
from voice.tts.base import (
    SynthesisError,
    SynthesizerUnavailable,
    check_rate,
    check_text,
    registry_voices,
    split_tag,
)

# Keys are language tags (see base.py); the most specific key wins. Zh's dialect voices: the Liaoning voice
# fits the northeastern dialect, the Shaanxi one Shaanxi speech.
DEFAULT_VOICES: dict[str, str] = registry_voices("edge", dialects=True)


def rate_string(rate: float) -> str:
    """Speed factor -> edge-tts rate: 0.8 -> '-20%', 1.0 -> '+0%', 1.25 -> '+25%'."""
    percent = round((check_rate(rate) - 1.0) * 100)
    return f"{percent:+d}%"


class EdgeSynthesizer:
    name = "edge-tts"
    format = "mp3"
    remote = True

    def __init__(
        self,
        voices: Mapping[str, str] | None = None,
        *,
        first_byte_timeout_s: float = 1.5,
        timeout_s: float = 8.0,
        seconds_per_char: float = 0.05,
        proxy: str | None = None,
    ) -> None:
        self.voices = dict(DEFAULT_VOICES if voices is None else voices)
        self.first_byte_timeout_s = first_byte_timeout_s
        self.timeout_s = timeout_s
        self.seconds_per_char = seconds_per_char
        # An HTTP proxy (also how tests point it at a server that never answers); HTTPS_PROXY works too.
        self.proxy = proxy or None

    def voice_for(self, language: str) -> str | None:
        base, dialect = split_tag(language)
        return self.voices.get(f"{base}-{dialect}") or self.voices.get(base)

    def supports(self, language: str) -> bool:
        return self.voice_for(language) is not None

    def total_timeout(self, text: str) -> float:
        # Long prompts stream for longer; the first-byte deadline is what catches a dead service.
        return min(self.timeout_s, self.first_byte_timeout_s + 1.0 + self.seconds_per_char * len(text))

    async def synthesize(self, text: str, language: str, *, rate: float = 1.0) -> Speech:
        text = check_text(text)
        voice = self.voice_for(language)
        if voice is None:
            raise SynthesisError(f"edge-tts has no voice for {language!r}")
        communicate = edge_tts.Communicate(
            text,
            voice,
            rate=rate_string(rate),
            proxy=self.proxy,
            connect_timeout=max(1, round(self.first_byte_timeout_s)),
            receive_timeout=max(1, round(self.timeout_s)),
        )
        total = self.total_timeout(text)
        try:
            audio = await asyncio.wait_for(self._collect(communicate), timeout=total)
        except asyncio.TimeoutError as e:
            raise SynthesizerUnavailable(f"edge-tts gave no complete audio within {total:.1f} s") from e
        except (aiohttp.ClientError, OSError, edge_errors.WebSocketError) as e:
            # DNS failure offline, refused connection, a proxy error, a dropped websocket
            raise SynthesizerUnavailable(f"edge-tts unreachable: {type(e).__name__}: {e}") from e
        except edge_errors.EdgeTTSException as e:
            # NoAudioReceived, UnexpectedResponse ...: the service answered but not with speech for this text
            raise SynthesisError(f"edge-tts failed: {type(e).__name__}: {e}") from e
        if not audio:
            raise SynthesisError("edge-tts returned no audio")
        return Speech(audio=audio, format=self.format, engine=self.name, voice=voice)

    async def _collect(self, communicate: edge_tts.Communicate) -> bytes:
        chunks: list[bytes] = []
        stream = communicate.stream()
        try:
            loop = asyncio.get_running_loop()
            first_deadline = loop.time() + self.first_byte_timeout_s
            while True:
                if not chunks:
                    left = first_deadline - loop.time()
                    if left <= 0:
                        raise SynthesizerUnavailable(
                            f"edge-tts: no audio within {self.first_byte_timeout_s:.1f} s"
                        )
                    try:
                        chunk = await asyncio.wait_for(stream.__anext__(), timeout=left)
                    except asyncio.TimeoutError as e:
                        raise SynthesizerUnavailable(
                            f"edge-tts: no audio within {self.first_byte_timeout_s:.1f} s"
                        ) from e
                else:
                    chunk = await stream.__anext__()
                if chunk["type"] == "audio" and chunk.get("data"):
                    chunks.append(chunk["data"])
        except StopAsyncIteration:
            return b"".join(chunks)
        finally:
            await stream.aclose()
