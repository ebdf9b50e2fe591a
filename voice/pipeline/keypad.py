"""Keypad entry on the hotline: digits until `#` or a pause; `*` stands for the X of an ID number.

On a yes/no question 1 is yes and 2 is no, on a choice one key answers; the first time a number, a
confirmation or a choice is asked, a hint says so. The digits are ID, phone and card numbers and SMS codes:
log them only through `privacy.numbers.mask_keys`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from voice.channels.prompts import prompt
from voice.channels.turn import Conversation
from voice.pipeline.frames import BotReplies, ConversationUpdated, Frame, KeypadEntry, KeyPressed, Tick
from voice.pipeline.processor import DOWNSTREAM, Direction, FrameProcessor

KEYS = set("0123456789*#")
CONFIRM_KEYS = {"1": "/affirm", "2": "/deny"}
NUMBER_STEPS = {"phone", "sms_code", "id_number", "bank_card"}


@dataclass
class DtmfCollector:
    """Collects key presses into one entry.

    `single_key` (a choice or yes/no question) finishes on the first digit; otherwise the entry ends
    with `#` or after `pause_s` without a key. Times are caller-supplied (monotonic seconds) so the
    collector is deterministic to test.
    """

    pause_s: float = 3.0
    max_keys: int = 24
    single_key: bool = False
    _keys: list[str] = field(default_factory=list)
    _last_press: float | None = None

    @property
    def pending(self) -> bool:
        return bool(self._keys)

    def press(self, key: str, now: float) -> str | None:
        """Adds one key; returns the finished entry when this key ends it."""
        if key not in KEYS:
            return None
        if key == "#":
            return self._finish()
        self._keys.append("X" if key == "*" else key)
        self._last_press = now
        if (self.single_key and len(self._keys) == 1) or len(self._keys) >= self.max_keys:
            return self._finish()
        return None

    def poll(self, now: float) -> str | None:
        """Returns the entry once the caller has paused long enough after the last key."""
        if self._keys and self._last_press is not None and now - self._last_press >= self.pause_s:
            return self._finish()
        return None

    def reset(self) -> None:
        self._keys.clear()
        self._last_press = None

    def _finish(self) -> str | None:
        entry = "".join(self._keys)
        self.reset()
        return entry or None


def dtmf_text(entry: str, expects: str | None) -> str:
    """What a keypad entry means as a message to the assistant."""
    if expects == "confirm" and entry in CONFIRM_KEYS:
        return CONFIRM_KEYS[entry]
    return entry


class Keypad(FrameProcessor):
    """KeyPressed → KeypadEntry (after the KeyPressed itself, which barge-in and the idle monitor see).
    Seniors get a longer pause; while keys are pending a Tick goes no further."""

    def __init__(
        self, pause_s: float, senior_pause_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.pause_s, self.senior_pause_s, self.clock = pause_s, senior_pause_s, clock
        self.collector = DtmfCollector(pause_s=pause_s)

    async def process(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, KeyPressed):
            await self.push(frame)
            await self._entry(self.collector.press(frame.key, self.clock()))
            return
        if isinstance(frame, Tick) and direction is DOWNSTREAM:
            await self._entry(self.collector.poll(self.clock()))
            if self.collector.pending:
                return
        elif isinstance(frame, ConversationUpdated):
            self.collector.pause_s = self.senior_pause_s if frame.senior else self.pause_s
            self.collector.single_key = frame.conversation.expects in ("choice", "confirm")
        await self.push(frame, direction)

    async def _entry(self, entry: str | None) -> None:
        if entry:
            await self.push(KeypadEntry(entry))


class KeypadHints(FrameProcessor):
    """Adds a keypad hint to an answer, once per kind of question in a call: how to key a number, that 1 is
    yes and 2 no, that one key answers a choice."""

    def __init__(self) -> None:
        super().__init__()
        self.hinted: set[str] = set()

    async def process(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, BotReplies):
            hints = [{"text": text} for text in self._hints(frame.outcome.conversation)]
            if hints:
                outcome = dataclasses.replace(frame.outcome, replies=[*frame.outcome.replies, *hints])
                frame = BotReplies(outcome)
        await self.push(frame, direction)

    def _hints(self, conversation: Conversation) -> list[str]:
        key = None
        if conversation.expects == "value" and conversation.step in NUMBER_STEPS:
            key, hint = f"number:{conversation.step}", "keypad_hint"
        elif conversation.expects in ("confirm", "choice"):
            key = hint = f"{conversation.expects}_keys"
        if key is None or key in self.hinted:
            return []
        self.hinted.add(key)
        return [prompt(hint, conversation.language)]
