"""Silence re-prompts: after the assistant has finished speaking, how long to wait for the caller."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from voice.pipeline.frames import (
    BotInterrupted,
    BotStartedSpeaking,
    BotStoppedSpeaking,
    ConversationUpdated,
    Frame,
    IdleTimeout,
    KeyPressed,
    SpeechStarted,
    Tick,
    TurnFinished,
    TurnStarted,
)
from voice.pipeline.processor import UPSTREAM, Direction, FrameProcessor

IdleAction = Literal["reprompt", "goodbye"]


@dataclass
class IdleTimer:
    """Armed when playback ends and the line waits for the caller; any speech or key press disarms it.

    After `max_reprompts` unanswered re-prompts the next timeout says goodbye. Seniors get a longer
    timeout (`set_timeout`): they take longer to find a card or an ID.
    """

    timeout_s: float = 8.0
    max_reprompts: int = 2
    _armed_at: float | None = None
    _reprompts: int = 0

    @property
    def armed(self) -> bool:
        return self._armed_at is not None

    def set_timeout(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s

    def arm(self, now: float) -> None:
        if self._armed_at is None:
            self._armed_at = now

    def disarm(self) -> None:
        self._armed_at = None

    def caller_active(self) -> None:
        """The caller said or pressed something: start counting re-prompts afresh."""
        self._armed_at = None
        self._reprompts = 0

    def check(self, now: float) -> IdleAction | None:
        if self._armed_at is None or now - self._armed_at < self.timeout_s:
            return None
        self._armed_at = None
        self._reprompts += 1
        return "goodbye" if self._reprompts > self.max_reprompts else "reprompt"


class IdleMonitor(FrameProcessor):
    """Sits after the speaker, where it sees the turns start and finish, the output say when the client has
    played everything, and the caller's speech and keys. When the line has waited long enough for the caller
    (a Tick gets here only while nothing else is going on), it sends an IdleTimeout up to turn-taking."""

    def __init__(
        self,
        reprompt_s: float,
        senior_reprompt_s: float,
        max_reprompts: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.reprompt_s, self.senior_reprompt_s, self.clock = reprompt_s, senior_reprompt_s, clock
        self.timer = IdleTimer(reprompt_s, max_reprompts)
        self.busy = False  # a turn is being worked on (recognition, the dialogue, speech)
        self.playing = False  # the client has audio it has not played yet

    async def process(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, SpeechStarted | KeyPressed):
            self.timer.caller_active()
        elif isinstance(frame, ConversationUpdated):
            self.timer.set_timeout(self.senior_reprompt_s if frame.senior else self.reprompt_s)
        elif isinstance(frame, TurnStarted):
            self.busy = True
            self.timer.disarm()
        elif isinstance(frame, TurnFinished):
            self.busy = False
            self._wait_for_caller()
        elif isinstance(frame, BotStartedSpeaking):
            self.playing = True
        elif isinstance(frame, BotStoppedSpeaking):
            self.playing = False
            self._wait_for_caller()
        elif isinstance(frame, BotInterrupted):
            self.playing = False  # the caller is talking or keying: nothing to wait for yet
        elif isinstance(frame, Tick):
            action = self.timer.check(self.clock())
            if action:
                await self.push(IdleTimeout(goodbye=action == "goodbye"), UPSTREAM)
            return
        await self.push(frame, direction)

    def _wait_for_caller(self) -> None:
        if not self.busy and not self.playing:
            self.timer.arm(self.clock())
