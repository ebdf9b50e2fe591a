"""The voice pipeline's processors one at a time, on frames: keypad entry, the quiet-line clock, barge-in
ordering and the silence re-prompt (the channels' tests run them together over real WebSockets)."""

from __future__ import annotations

import asyncio

from voice.channels.turn import Conversation
from voice.pipeline.frames import (
    BotInterrupted,
    BotStartedSpeaking,
    BotStoppedSpeaking,
    ConversationUpdated,
    Frame,
    IdleTimeout,
    KeypadEntry,
    KeyPressed,
    SpeechStarted,
    StopPlayback,
    Tick,
    TurnFinished,
    TurnStarted,
)
from voice.pipeline.idle import IdleMonitor
from voice.pipeline.keypad import Keypad
from voice.pipeline.processor import UPSTREAM, Direction, FrameProcessor, Pipeline
from voice.pipeline.turns import BargeIn


class Seen(FrameProcessor):
    """The end (or start) of a test pipeline: what reached it, and from which side."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[tuple[Frame, Direction]] = []

    async def process(self, frame: Frame, direction: Direction) -> None:
        self.frames.append((frame, direction))
        await self.push(frame, direction)

    def of(self, kind: type) -> list[Frame]:
        return [f for f, _ in self.frames if isinstance(f, kind)]


def run(pipeline: Pipeline, *frames: Frame) -> None:
    async def go() -> None:
        for frame in frames:
            await pipeline.push(frame)

    asyncio.run(go())


def test_keypad_joins_keys_until_hash_and_keeps_the_clock_while_keys_are_pending() -> None:
    now = [0.0]
    seen = Seen()
    pipeline = Pipeline([Keypad(3.0, 5.0, clock=lambda: now[0]), seen])
    run(pipeline, *(KeyPressed(k) for k in "139#"))
    assert [f.entry for f in seen.of(KeypadEntry)] == ["139"]
    assert len(seen.of(KeyPressed)) == 4  # every key goes on: barge-in and the idle monitor see it
    run(pipeline, KeyPressed("5"), Tick())
    assert not seen.of(Tick)  # a key is pending: the line is not quiet
    now[0] = 3.0
    run(pipeline, Tick())
    assert [f.entry for f in seen.of(KeypadEntry)] == ["139", "5"] and len(seen.of(Tick)) == 1


def test_a_senior_on_a_yes_no_question_answers_with_one_key_and_gets_longer_pauses() -> None:
    keypad = Keypad(3.0, 5.0, clock=lambda: 0.0)
    seen = Seen()
    pipeline = Pipeline([keypad, seen])
    senior_confirm = ConversationUpdated(Conversation(expects="confirm", senior=True), senior=True)
    run(pipeline, senior_confirm, KeyPressed("1"))
    assert [f.entry for f in seen.of(KeypadEntry)] == ["1"] and keypad.collector.pause_s == 5.0


def test_barge_in_passes_the_speech_on_before_stopping_playback() -> None:
    seen = Seen()
    run(Pipeline([BargeIn(), seen]), SpeechStarted(), KeyPressed("1"), Tick())
    kinds = [type(f) for f, _ in seen.frames]
    assert kinds == [SpeechStarted, StopPlayback, KeyPressed, StopPlayback, Tick]


def test_the_line_waits_for_the_caller_only_once_everything_is_played() -> None:
    now = [0.0]
    before, after = Seen(), Seen()
    idle = IdleMonitor(8.0, 15.0, max_reprompts=1, clock=lambda: now[0])
    pipeline = Pipeline([before, idle, after])

    async def go() -> None:
        await pipeline.push(TurnStarted())
        await after.push(BotStartedSpeaking(), UPSTREAM)  # the answer is playing
        await pipeline.push(TurnFinished())
        now[0] = 20.0
        await pipeline.push(Tick())
        assert not before.of(IdleTimeout)  # still playing: nobody is waited for
        await after.push(BotStoppedSpeaking(), UPSTREAM)  # heard: the wait starts now
        now[0] = 27.9
        await pipeline.push(Tick())
        assert not before.of(IdleTimeout)
        now[0] = 28.0
        await pipeline.push(Tick())
        assert [f.goodbye for f in before.of(IdleTimeout)] == [False]
        await after.push(BotStoppedSpeaking(), UPSTREAM)
        await pipeline.push(KeyPressed("5"))  # the caller did something: the count starts afresh
        await after.push(BotStoppedSpeaking(), UPSTREAM)
        now[0] = 40.0
        await pipeline.push(Tick())
        await after.push(BotStoppedSpeaking(), UPSTREAM)
        now[0] = 50.0
        await pipeline.push(Tick())
        assert [f.goodbye for f in before.of(IdleTimeout)] == [False, False, True]
        await pipeline.push(ConversationUpdated(Conversation(senior=True), senior=True))
        assert idle.timer.timeout_s == 15.0
        await after.push(BotInterrupted(), UPSTREAM)
        assert not idle.playing

    asyncio.run(go())
