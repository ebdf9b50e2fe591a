"""Recognition while the user is still talking: early recognition of a pausing utterance, and partials.

Early recognition (VOICE_EARLY_ASR_MS): when the endpointer announces a pause (SpeechPausing), Whisper starts
on the utterance so far while the rest of the closing silence runs out. The utterance then goes to the turn
with that recognition attached; the turn uses it only if the utterance ended with exactly that audio in the
same conversation state (EarlyTranscript.serves), so the closing silence is not dead time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from voice.channels.turn import Conversation, EarlyTranscript, VoiceTurn
from voice.pipeline.frames import (
    ConversationUpdated,
    Frame,
    PartialTranscript,
    SpeechEnded,
    SpeechPausing,
    SpeechProgress,
    SpeechStarted,
    Utterance,
)
from voice.pipeline.processor import Direction, FrameProcessor
from voice.speech import Audio

GetTurn = Callable[[], Awaitable[VoiceTurn]]
PARTIAL_EVERY_S = 1.0  # re-decode the growing utterance after each second of new speech
PARTIAL_MAX_S = 12.0  # past this, partials cost more than they show


class EarlyRecognition(FrameProcessor):
    """SpeechEnded → an Utterance for the turn (after the SpeechEnded itself), with the early recognition."""

    def __init__(self, get_turn: GetTurn) -> None:
        super().__init__()
        self.get_turn = get_turn
        self.conversation = Conversation()
        self._early: EarlyTranscript | None = None

    async def process(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, ConversationUpdated):
            self.conversation = frame.conversation
        elif isinstance(frame, SpeechStarted):
            self._early = None
        elif isinstance(frame, SpeechPausing):
            self._early = (await self.get_turn()).recognise_early(frame.audio, self.conversation)
        await self.push(frame, direction)
        if isinstance(frame, SpeechEnded):
            early, self._early = self._early, None
            await self.push(Utterance(frame.audio, early))


class PartialTranscripts(FrameProcessor):
    """While the user speaks, the utterance so far is decoded again after each second of new speech, one
    decode at a time, never in a pause (the final decode may be due in a moment), and shown if the user is
    still speaking when it is done."""

    def __init__(self, get_turn: GetTurn) -> None:
        super().__init__()
        self.get_turn = get_turn
        self.conversation = Conversation()
        self.in_speech = False
        self._decoded_at = 0.0  # speech seconds at the last partial decode
        self._task: asyncio.Task[None] | None = None

    async def process(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, ConversationUpdated):
            self.conversation = frame.conversation
        elif isinstance(frame, SpeechStarted):
            self.in_speech, self._decoded_at = True, 0.0
        elif isinstance(frame, SpeechEnded):
            self.in_speech = False
        elif isinstance(frame, SpeechProgress):
            self._maybe_decode(frame)
        await self.push(frame, direction)

    def _maybe_decode(self, progress: SpeechProgress) -> None:
        spoken = progress.duration_s
        if spoken - self._decoded_at < PARTIAL_EVERY_S or spoken > PARTIAL_MAX_S or progress.pausing:
            return
        if self._task is not None and not self._task.done():
            return
        self._decoded_at = spoken
        self._task = asyncio.create_task(self._decode(progress.audio))

    async def _decode(self, audio: Audio) -> None:
        transcript = await (await self.get_turn()).recognise(audio, self.conversation)
        if transcript.rejected is None and transcript.text and self.in_speech:
            await self.push(PartialTranscript(transcript.text))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
