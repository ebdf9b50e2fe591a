"""MMS providers for the gateway: they call the MMS worker (voice/mms/worker.py) over HTTP, with httpx only.

Configured by MMS_URL (e.g. http://127.0.0.1:8200); without it `MmsWorker.from_env()` gives None and there are
no MMS providers. `supports()` is true only for the languages the worker reports loaded, so a worker that
is down, still loading, or has no Tibetan model does not claim Tibetan, and the caller picks another engine.
They are plugged in where every speech vendor is: the ASR registry (voice/asr/registry.py, "mms") and the TTS
factory (voice/tts/factory.py), both on one `shared_worker`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import httpx

from voice.audio import WavError, decode_wav
from voice.speech import Audio, RecognitionContext, Speech, Transcript

ENGINE = "mms"


class MmsError(RuntimeError):
    """The MMS worker could not be reached, timed out, or refused the request; the message says which."""


@dataclass(frozen=True)
class WorkerStatus:
    asr: frozenset[str] = frozenset()
    tts: Mapping[str, str] = field(default_factory=dict)  # language -> voice name
    problems: tuple[str, ...] = ()  # the worker's reasons for what it did not load
    error: str | None = None  # why the worker could not be asked at all


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))[:300]
    except ValueError:
        return response.text[:300] or response.reason_phrase


class MmsWorker:
    """One worker's address and what it has loaded, asked again at most every `status_ttl_s` seconds."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 60.0,
        connect_timeout_s: float = 2.0,
        status_ttl_s: float = 30.0,
        max_audio_s: float = 60.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self.status_ttl_s = status_ttl_s
        self.max_audio_s = max_audio_s
        self._client = httpx.Client(base_url=self.url, timeout=self.timeout)
        self._status: WorkerStatus | None = None
        self._status_at = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MmsWorker | None:
        env = os.environ if environ is None else environ
        url = env.get("MMS_URL", "").strip()
        if not url:
            return None
        return cls(
            url,
            timeout_s=float(env.get("MMS_TIMEOUT_S", "60")),
            max_audio_s=float(env.get("MMS_MAX_AUDIO_S", "60")),
        )

    def status(self, *, refresh: bool = False) -> WorkerStatus:
        with self._lock:
            # A failed look-up is retried sooner, so a worker that finished loading is noticed quickly.
            ttl = (
                self.status_ttl_s if self._status and not self._status.error else min(self.status_ttl_s, 5.0)
            )
            if refresh or self._status is None or time.monotonic() - self._status_at > ttl:
                self._status = self._fetch_status()
                self._status_at = time.monotonic()
            return self._status

    def _fetch_status(self) -> WorkerStatus:
        try:
            response = self._client.get("/health", timeout=httpx.Timeout(3.0, connect=self.timeout.connect))
            response.raise_for_status()
            data = response.json()
            return WorkerStatus(
                asr=frozenset(data.get("asr", {})),
                tts={lang: str(info.get("voice", ENGINE)) for lang, info in data.get("tts", {}).items()},
                problems=tuple(data.get("problems", ())),
            )
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            return WorkerStatus(error=f"MMS worker at {self.url} is not answering /health: {exc!r}")

    def _check(self, response: httpx.Response, what: str) -> httpx.Response:
        if response.status_code >= 400:
            raise MmsError(f"MMS worker refused {what}: HTTP {response.status_code}: {_detail(response)}")
        return response

    def post(self, path: str, what: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._check(self._client.post(path, **kwargs), what)
        except httpx.TimeoutException as exc:
            raise MmsError(f"MMS worker at {self.url} did not answer {what} in time ({exc!r})") from exc
        except httpx.HTTPError as exc:
            raise MmsError(f"MMS worker at {self.url} unreachable for {what}: {exc!r}") from exc

    async def apost(self, path: str, what: str, **kwargs: Any) -> httpx.Response:
        # A client per call: an async client is bound to the event loop that first used it.
        try:
            async with httpx.AsyncClient(base_url=self.url, timeout=self.timeout) as client:
                return self._check(await client.post(path, **kwargs), what)
        except httpx.TimeoutException as exc:
            raise MmsError(f"MMS worker at {self.url} did not answer {what} in time ({exc!r})") from exc
        except httpx.HTTPError as exc:
            raise MmsError(f"MMS worker at {self.url} unreachable for {what}: {exc!r}") from exc

    def close(self) -> None:
        self._client.close()


class MmsRecognizer:
    """SpeechRecognizer for the languages the worker's MMS ASR model has adapters for (bo, ug)."""

    name = ENGINE

    def __init__(self, worker: MmsWorker) -> None:
        self.worker = worker

    def supports(self, language: str | None) -> bool:
        return language is not None and language in self.worker.status().asr

    def transcribe(self, audio: Audio, context: RecognitionContext) -> Transcript:
        started = time.perf_counter()
        language = context.language

        def result(text: str, rejected: str | None, details: dict[str, float] | None = None) -> Transcript:
            elapsed = time.perf_counter() - started
            return Transcript(text, language, ENGINE, audio.duration_s, elapsed, rejected, details or {})

        if not self.supports(language):
            return result("", "unsupported_language")
        if audio.duration_s < 0.1:
            return result("", "no_speech")
        if audio.duration_s > self.worker.max_audio_s:
            return result("", "too_long")
        response = self.worker.post(
            "/transcribe",
            f"transcribe ({language}, {audio.duration_s:.1f} s)",
            params={"language": language, "sample_rate": audio.sample_rate},
            content=audio.pcm,
            headers={"Content-Type": "application/octet-stream"},
        )
        try:
            data = response.json()
            text = str(data["text"]).strip()
            details = {"worker_s": float(data["elapsed_s"])}
        except (ValueError, KeyError, TypeError) as exc:
            raise MmsError(f"MMS worker sent an unreadable transcript: {response.text[:200]!r}") from exc
        return result(text, None if text else "no_speech", details)


class MmsSynthesizer:
    """SpeechSynthesizer for the languages the worker has an MMS-TTS voice for (bo, ug); answers WAV."""

    name = ENGINE

    def __init__(self, worker: MmsWorker) -> None:
        self.worker = worker

    def supports(self, language: str) -> bool:
        return language in self.worker.status().tts

    async def synthesize(self, text: str, language: str, *, rate: float = 1.0) -> Speech:
        status = self.worker.status()
        if language not in status.tts:
            reason = status.error or "; ".join(status.problems) or "not configured"
            raise MmsError(f"no {language!r} MMS voice is loaded ({reason})")
        if not text.strip():
            raise MmsError("nothing to say: the text is empty")
        response = await self.worker.apost(
            "/synthesize",
            f"synthesize ({language}, {len(text)} characters)",
            json={"text": text, "language": language, "rate": min(max(rate, 0.5), 2.0)},
        )
        try:
            frames, _, _ = decode_wav(response.content)
        except WavError as exc:
            raise MmsError(f"MMS worker sent bad audio: {exc}") from exc
        if not frames:
            raise MmsError("MMS worker sent an empty WAV file")
        voice = response.headers.get("X-Voice") or status.tts[language]
        return Speech(audio=response.content, format="wav", engine=ENGINE, voice=voice)


@lru_cache(maxsize=4)
def _worker(url: str, timeout_s: str, max_audio_s: str) -> MmsWorker | None:
    return MmsWorker.from_env({"MMS_URL": url, "MMS_TIMEOUT_S": timeout_s, "MMS_MAX_AUDIO_S": max_audio_s})


def shared_worker(environ: Mapping[str, str] | None = None) -> MmsWorker | None:
    """The worker MMS_URL names, one per configuration, so the recogniser and the voices share its status;
    None without MMS_URL."""
    env = os.environ if environ is None else environ
    return _worker(env.get("MMS_URL", ""), env.get("MMS_TIMEOUT_S", "60"), env.get("MMS_MAX_AUDIO_S", "60"))


def recognizer_from_env() -> MmsRecognizer | None:
    """The ASR registry's "mms" provider: on the shared worker, None when MMS_URL is not set."""
    worker = shared_worker()
    return MmsRecognizer(worker) if worker else None


def mms_providers(environ: Mapping[str, str] | None = None) -> tuple[MmsRecognizer, MmsSynthesizer] | None:
    """Both providers on one worker when MMS_URL is set; None when it is not (MMS is then simply absent)."""
    worker = shared_worker(environ)
    return (MmsRecognizer(worker), MmsSynthesizer(worker)) if worker else None
