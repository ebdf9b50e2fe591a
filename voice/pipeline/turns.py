"""Turn-taking: the user talks over the assistant (barge-in), and the user's inputs are answered in order.

Whatever the user does (an utterance, a keypad entry, a silence long enough for a re-prompt) becomes one
turn; turns run one at a time in the processor's own task, so the input side never waits for recognition,
the dialogue or speech synthesis, and an answer is spoken in full (unless interrupted) before the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from privacy.numbers import mask_keys
from voice.channels.prompts import prompt
from voice.channels.turn import Conversation, TurnOutcome, VoiceTurn
from voice.pipeline.frames import (
    BotPrompt,
    BotReplies,
    ConversationUpdated,
    EndSession,
    ErrorFrame,
    Frame,
    Heard,
    IdleTimeout,
    KeypadEntry,
    KeyPressed,
    SessionStarted,
    SpeechStarted,
    StopPlayback,
    Tick,
    TurnFinished,
    TurnStarted,
    Utterance,
)
from voice.pipeline.keypad import dtmf_text
from voice.pipeline.processor import DOWNSTREAM, UPSTREAM, Direction, FrameProcessor

GREETING = "/greet"
Input = Utterance | KeypadEntry | IdleTimeout | SessionStarted


class BargeIn(FrameProcessor):
    """The user starts speaking or presses a key: whatever the client still plays is stopped (the output
    knows whether anything is playing). The SpeechStarted or KeyPressed itself goes first."""

    async def process(self, frame: Frame, direction: Direction) -> None:
        await self.push(frame, direction)
        if direction is DOWNSTREAM and isinstance(frame, SpeechStarted | KeyPressed):
            await self.push(StopPlayback())


class TurnTaking(FrameProcessor):
    """Utterances, keypad entries and idle timeouts → one turn each, in order: the dialogue's answer as
    BotReplies (after Heard for an utterance, and ConversationUpdated both ways), or the channel's prompt.

    `greet`: the session opens with the assistant's greeting (a phone call); otherwise the conversation is
    read at the start and the user speaks first (the app).
    """

    def __init__(
        self, get_turn: Callable[[], Awaitable[VoiceTurn]], log: logging.Logger, *, greet: bool
    ) -> None:
        super().__init__()
        self.get_turn, self.log, self.greet = get_turn, log, greet
        self.sender_id, self.channel = "", ""
        self.conversation = Conversation()
        self.inputs: asyncio.Queue[Input] = asyncio.Queue()
        self.busy = False
        self._worker: asyncio.Task[None] | None = None

    async def process(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, SessionStarted):
            self.sender_id, self.channel = frame.sender_id, frame.channel
            if self.greet:
                self.inputs.put_nowait(frame)
            else:
                await self._update(await (await self.get_turn()).conversation(self.sender_id))
            return
        if isinstance(frame, Utterance | KeypadEntry | IdleTimeout):
            self.inputs.put_nowait(frame)
            return
        if isinstance(frame, Tick) and (self.busy or not self.inputs.empty()):
            return  # the line is not waiting for the user
        await self.push(frame, direction)

    async def start(self) -> None:
        self._worker = asyncio.create_task(self._work())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._worker

    async def _work(self) -> None:
        while True:
            taken = await self.inputs.get()
            self.busy = True
            await self.push(TurnStarted())
            try:
                await self._take(taken)
            except Exception:  # one failed turn must not end the session
                self.log.exception("%s: %s turn failed", self.sender_id, type(taken).__name__)
                with contextlib.suppress(Exception):  # the client may have gone already
                    await self.push(ErrorFrame("turn_failed", "please say it again"))
            finally:
                self.busy = False
                await self.push(TurnFinished())

    async def _take(self, taken: Input) -> None:
        turn = await self.get_turn()
        meta = {"channel": self.channel}
        if isinstance(taken, SessionStarted):
            await self._answer(await turn.send(self.sender_id, GREETING, {**meta, "input": "call_start"}))
        elif isinstance(taken, Utterance):
            outcome = await turn.hear_utterance(
                self.sender_id,
                taken.audio,
                channel=self.channel,
                conversation=self.conversation,
                early=taken.early,
            )
            assert outcome.transcript is not None  # hear() always sets it
            await self.push(Heard(outcome.transcript))
            await self._answer(outcome)
        elif isinstance(taken, KeypadEntry):
            self.log.info("%s: keypad entry %s", self.sender_id, mask_keys(taken.entry))
            text = dtmf_text(taken.entry, self.conversation.expects)
            await self._answer(await turn.send(self.sender_id, text, {**meta, "input": "dtmf"}))
        elif taken.goodbye:
            await self.push(BotPrompt((prompt("silence_goodbye", self.conversation.language),)))
            await self.push(EndSession())
        else:
            await self.push(BotPrompt((prompt("still_there", self.conversation.language),), replay=True))

    async def _answer(self, outcome: TurnOutcome) -> None:
        await self._update(outcome.conversation)
        await self.push(BotReplies(outcome))

    async def _update(self, conversation: Conversation) -> None:
        """Seniors get longer pauses everywhere (endpointing, keypad, re-prompts)."""
        self.conversation = conversation
        update = ConversationUpdated(conversation, conversation.senior or self.channel == "senior")
        await self.push(update, UPSTREAM)
        await self.push(update, DOWNSTREAM)
