"""The phone hotline: one Twilio Media Streams WebSocket per call (/ws/hotline), a transport over the voice
pipeline (voice/pipeline); the wire format is twilio.py.

Caller audio (μ-law 8 kHz) is upsampled to 16 kHz and goes into the pipeline with the caller's keys. What
comes out is spoken: each sentence as μ-law media frames with a mark after it, so we know when playback
ended, and a `turn-N` mark after each answer; a barge-in sends `clear`. The call opens with the assistant's
greeting and hangs up politely after repeated silence.

Pipeline: keypad → endpointing → early recognition → barge-in → turn-taking → keypad hints → speaker →
idle re-prompts → this output.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from privacy.logs import digits_logger
from voice.audio import RECOGNITION_RATE, TELEPHONE_RATE, Resampler, decode_audio, pcm_to_ulaw, ulaw_to_pcm
from voice.channels import twilio
from voice.channels.turn import VoiceTurn
from voice.dialogue import SENDER_ID_PATTERN
from voice.pipeline.frames import (
    AudioIn,
    BotInterrupted,
    BotStartedSpeaking,
    BotStoppedSpeaking,
    EndSession,
    Frame,
    KeyPressed,
    ReplyAudio,
    ReplyEnd,
    SessionStarted,
    StopPlayback,
    TurnEnd,
)
from voice.pipeline.idle import IdleMonitor
from voice.pipeline.keypad import Keypad, KeypadHints
from voice.pipeline.processor import UPSTREAM, Direction, FrameProcessor, Pipeline
from voice.pipeline.recognition import EarlyRecognition
from voice.pipeline.speaker import Speaker
from voice.pipeline.turns import BargeIn, TurnTaking
from voice.pipeline.vad import Endpointing
from voice.speech import Speech

log = digits_logger("voice.hotline")
MAX_REPLY_S = 120.0
DRAIN_LIMIT_S = 30.0  # how long a goodbye may wait for the caller to hear it


def _env(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class HotlineSettings:
    reprompt_s: float = 8.0
    senior_reprompt_s: float = 15.0
    max_reprompts: int = 2
    dtmf_pause_s: float = 3.0
    senior_dtmf_pause_s: float = 5.0
    tick_s: float = 0.1

    @classmethod
    def from_env(cls) -> HotlineSettings:
        return cls(
            reprompt_s=_env("HOTLINE_REPROMPT_S", cls.reprompt_s),
            senior_reprompt_s=_env("HOTLINE_SENIOR_REPROMPT_S", cls.senior_reprompt_s),
            max_reprompts=int(_env("HOTLINE_MAX_REPROMPTS", cls.max_reprompts)),
            dtmf_pause_s=_env("HOTLINE_DTMF_PAUSE_S", cls.dtmf_pause_s),
            senior_dtmf_pause_s=_env("HOTLINE_SENIOR_DTMF_PAUSE_S", cls.senior_dtmf_pause_s),
        )


def sender_for(start: twilio.Start) -> str:
    """The conversation id: a <Parameter name="sender_id"> (to continue a chat by phone), else the call."""
    given = start.parameters.get("sender_id", "")
    if re.match(SENDER_ID_PATTERN, given):
        return given
    return "hotline-" + (re.sub(r"[^A-Za-z0-9]", "", start.call_sid or start.stream_sid)[:48] or "call")


def speech_to_ulaw(speech: Speech) -> bytes:
    """A synthesised reply (mp3 or wav, any rate) as 8 kHz μ-law."""
    return pcm_to_ulaw(decode_audio(speech.audio, max_seconds=MAX_REPLY_S, sample_rate=TELEPHONE_RATE).pcm)


class HotlineOutput(FrameProcessor):
    """The end of the call's pipeline: replies as μ-law media with marks, `clear` on barge-in, hang-up.

    `marks` are the marks sent and not yet echoed: while there are any, the caller is still hearing us.
    """

    def __init__(self, send: Callable[[dict[str, Any]], Awaitable[None]], settings: HotlineSettings) -> None:
        super().__init__()
        self.send, self.settings = send, settings
        self.stream_sid = ""
        self.sender_id = ""
        self.marks: set[str] = set()
        self.hangup = asyncio.Event()
        self._playback = 0  # bumped on barge-in: a sentence still being sent stops
        self._sent_marks = 0
        self._turns = 0

    async def process(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, ReplyAudio):
            playback = self._playback  # a barge-in while this converts drops it too
            await self._stream(await asyncio.to_thread(speech_to_ulaw, frame.speech), playback)
        elif isinstance(frame, ReplyEnd) and frame.status not in ("ok", "interrupted"):
            log.info("call %s: a reply has no audio (%s)", self.sender_id, frame.status)
        elif isinstance(frame, TurnEnd) and not frame.interrupted:
            # echoed when the caller has heard the whole answer (also what a test client waits for)
            self._turns += 1
            await self._mark(f"turn-{self._turns}")
        elif isinstance(frame, StopPlayback) and self.marks:
            self.marks.clear()
            self._playback += 1
            await self.push(BotInterrupted(), UPSTREAM)  # before `clear`: nothing more of the answer goes out
            await self.send(twilio.clear(self.stream_sid))
            log.info("call %s: barge-in, playback cleared", self.sender_id)
        elif isinstance(frame, EndSession):
            await self._drain()
            self.hangup.set()

    async def played(self, name: str) -> None:
        """Twilio echoed a mark: the caller has heard everything before it."""
        self.marks.discard(name)
        if not self.marks:
            await self.push(BotStoppedSpeaking(), UPSTREAM)

    async def _stream(self, ulaw: bytes, playback: int) -> None:
        if playback != self._playback:
            return
        self._sent_marks += 1
        name = f"reply-{self._sent_marks}"
        await self._playing(name)  # playing from the first frame on: speech from here on is a barge-in
        for payload in twilio.ulaw_frames(ulaw):
            if playback != self._playback:
                return
            await self.send(twilio.media(self.stream_sid, payload))
        await self.send(twilio.mark(self.stream_sid, name))

    async def _mark(self, name: str) -> None:
        await self._playing(name)
        await self.send(twilio.mark(self.stream_sid, name))

    async def _playing(self, mark: str) -> None:
        if not self.marks:
            await self.push(BotStartedSpeaking(), UPSTREAM)
        self.marks.add(mark)

    async def _drain(self) -> None:
        deadline = time.monotonic() + DRAIN_LIMIT_S
        while self.marks and time.monotonic() < deadline:
            await asyncio.sleep(self.settings.tick_s)


class HotlineCall:
    def __init__(
        self,
        websocket: WebSocket,
        get_turn: Callable[[], Awaitable[VoiceTurn]],
        settings: HotlineSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ws = websocket
        self.settings = settings or HotlineSettings.from_env()
        self.sender_id = ""
        self.upsampler = Resampler(TELEPHONE_RATE, RECOGNITION_RATE)
        self.output = HotlineOutput(self._send, self.settings)
        s = self.settings
        self.pipeline = Pipeline(
            [
                Keypad(s.dtmf_pause_s, s.senior_dtmf_pause_s, clock),
                Endpointing(),
                EarlyRecognition(get_turn),
                BargeIn(),
                TurnTaking(get_turn, log, greet=True),
                KeypadHints(),
                Speaker(get_turn),
                IdleMonitor(s.reprompt_s, s.senior_reprompt_s, s.max_reprompts, clock),
                self.output,
            ],
            tick_s=s.tick_s,
        )
        self._send_lock = asyncio.Lock()

    async def run(self) -> None:
        await self.ws.accept()
        await self.pipeline.start()
        receiving = asyncio.create_task(self._receive())
        hangup = asyncio.create_task(self.output.hangup.wait())
        try:
            await asyncio.wait([receiving, hangup], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (receiving, hangup):
                task.cancel()
            await asyncio.gather(receiving, hangup, return_exceptions=True)
            await self.pipeline.stop()
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # the peer may have gone already
                await self.ws.close()
            log.info("call %s ended", self.sender_id or "?")

    async def _receive(self) -> None:
        try:
            while True:
                event = twilio.parse(await self.ws.receive_text())
                if isinstance(event, twilio.Stop):
                    return
                if event is not None:
                    await self._on_event(event)
        except WebSocketDisconnect:
            return
        except twilio.ProtocolError as error:
            log.warning("call %s: %s; hanging up", self.sender_id or "?", error)

    async def _on_event(self, event: twilio.Event) -> None:
        if isinstance(event, twilio.Start):
            self.sender_id = self.output.sender_id = sender_for(event)
            self.output.stream_sid = event.stream_sid
            channel = "senior" if event.parameters.get("channel") == "senior" else "hotline"
            log.info("call %s started on %s", self.sender_id, channel)
            await self.pipeline.push(SessionStarted(self.sender_id, channel))
        elif isinstance(event, twilio.Media) and event.track.startswith("inbound"):
            await self.pipeline.push(AudioIn(self.upsampler.convert(ulaw_to_pcm(event.ulaw))))
        elif isinstance(event, twilio.Dtmf):
            await self.pipeline.push(KeyPressed(event.digit))
        elif isinstance(event, twilio.Mark):
            await self.output.played(event.name)

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_text(json.dumps(message))
