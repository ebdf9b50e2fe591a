"""The phone hotline: one Twilio Media Streams WebSocket per call (/ws/hotline).

Caller audio (μ-law 8 kHz) is upsampled to 16 kHz and endpointed; each finished utterance is one voice turn.
Numbers go better by keypad: digits are collected until `#` or a pause and sent as one text message
(`*` is the X of an ID number; on a yes/no question 1 is yes and 2 is no). Replies are synthesised,
converted to μ-law and streamed back with a mark after each, so we know when playback ended; caller speech
or a key press during playback sends `clear` (barge-in). After the assistant stops talking an idle timer
re-prompts, and hangs up politely after repeated silence.
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

from voice.audio import RECOGNITION_RATE, TELEPHONE_RATE, Resampler, ulaw_to_pcm
from voice.channels import twilio
from voice.channels.dtmf import DtmfCollector
from voice.channels.endpoint import EndpointConfig, Endpointer, SpeechEnded, SpeechPausing, SpeechStarted
from voice.channels.idle import IdleTimer
from voice.channels.logs import channel_logger, mask
from voice.channels.prompts import prompt
from voice.channels.telephony import speech_to_ulaw, ulaw_frames
from voice.channels.turn import Conversation, EarlyTranscript, TurnOutcome, VoiceTurn
from voice.schemas import SENDER_ID_PATTERN

log = channel_logger("voice.hotline")
NUMBER_STEPS = {"phone", "sms_code", "id_number", "bank_card"}
CONFIRM_KEYS = {"1": "/affirm", "2": "/deny"}


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


def dtmf_text(entry: str, expects: str | None) -> str:
    """What a keypad entry means as a message to the assistant."""
    if expects == "confirm" and entry in CONFIRM_KEYS:
        return CONFIRM_KEYS[entry]
    return entry


def sender_for(start: twilio.Start) -> str:
    """The conversation id: a <Parameter name="sender_id"> (to continue a chat by phone), else the call."""
    given = start.parameters.get("sender_id", "")
    if re.match(SENDER_ID_PATTERN, given):
        return given
    return "hotline-" + (re.sub(r"[^A-Za-z0-9]", "", start.call_sid or start.stream_sid)[:48] or "call")


class HotlineCall:
    def __init__(
        self,
        websocket: WebSocket,
        get_turn: Callable[[], Awaitable[VoiceTurn]],
        settings: HotlineSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ws, self.get_turn, self.clock = websocket, get_turn, clock
        self.settings = settings or HotlineSettings.from_env()
        self.stream_sid = ""
        self.sender_id = ""
        self.channel = "hotline"
        self.conversation = Conversation()
        self.upsampler = Resampler(TELEPHONE_RATE, RECOGNITION_RATE)
        self.endpointer = Endpointer()
        self.dtmf = DtmfCollector(pause_s=self.settings.dtmf_pause_s)
        self.idle = IdleTimer(self.settings.reprompt_s, self.settings.max_reprompts)
        self.inputs: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.marks: set[str] = set()  # sent and not yet played
        self.busy = False  # a turn is being worked on (ASR, Rasa, TTS)
        self.playback = 0  # bumped on barge-in: a reply still being sent stops
        self.last_reply: list[bytes] = []  # μ-law of the last answer, replayed by a silence re-prompt
        self.hinted: set[str] = set()
        self._sent_marks = 0
        self._turns = 0
        self._send_lock = asyncio.Lock()
        self._hangup = asyncio.Event()
        self._early: EarlyTranscript | None = None  # recognition started during the closing silence

    async def run(self) -> None:
        await self.ws.accept()
        tasks = [asyncio.create_task(self._work()), asyncio.create_task(self._tick())]
        receiving = asyncio.create_task(self._receive())
        try:
            hangup = asyncio.create_task(self._hangup.wait())
            tasks.append(hangup)
            await asyncio.wait([receiving, hangup], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in [receiving, *tasks]:
                task.cancel()
            await asyncio.gather(receiving, *tasks, return_exceptions=True)
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # the peer may have gone already
                await self.ws.close()
            log.info("call %s ended", self.sender_id or "?")

    # --- inbound ---------------------------------------------------------------------------------------

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
        now = self.clock()
        if isinstance(event, twilio.Start):
            self.stream_sid, self.sender_id = event.stream_sid, sender_for(event)
            if event.parameters.get("channel") == "senior":
                self.channel = "senior"
            log.info("call %s started on %s", self.sender_id, self.channel)
            self.inputs.put_nowait(("start", None))
        elif isinstance(event, twilio.Media) and event.track.startswith("inbound"):
            for found in self.endpointer.feed(self.upsampler.convert(ulaw_to_pcm(event.ulaw))):
                if isinstance(found, SpeechStarted):
                    self.idle.caller_active()
                    self._early = None
                    await self._barge_in()
                elif isinstance(found, SpeechPausing):
                    self._early = (await self.get_turn()).recognise_early(found.audio, self.conversation)
                elif isinstance(found, SpeechEnded):
                    self.inputs.put_nowait(("speech", (found.audio, self._early)))
                    self._early = None
        elif isinstance(event, twilio.Dtmf):
            self.idle.caller_active()
            await self._barge_in()
            entry = self.dtmf.press(event.digit, now)
            if entry:
                self.inputs.put_nowait(("dtmf", entry))
        elif isinstance(event, twilio.Mark):
            self.marks.discard(event.name)
            self._maybe_wait_for_caller()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.settings.tick_s)
            now = self.clock()
            entry = self.dtmf.poll(now)
            if entry:
                self.inputs.put_nowait(("dtmf", entry))
            if self.endpointer.in_speech or self.dtmf.pending or self.busy or not self.inputs.empty():
                continue
            action = self.idle.check(now)
            if action:
                self.inputs.put_nowait((action, None))

    async def _barge_in(self) -> None:
        if self.marks:
            self.marks.clear()
            self.playback += 1
            await self._send(twilio.clear(self.stream_sid))
            log.info("call %s: barge-in, playback cleared", self.sender_id)

    def _maybe_wait_for_caller(self) -> None:
        if not self.marks and not self.busy and self.inputs.empty():
            self.idle.arm(self.clock())

    # --- turns -----------------------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            kind, value = await self.inputs.get()
            self.busy = True
            self.idle.disarm()
            try:
                await self._handle(kind, value)
            except Exception:  # one failed turn must not drop the call
                log.exception("call %s: %s turn failed", self.sender_id, kind)
            finally:
                self.busy = False
                self._maybe_wait_for_caller()

    async def _handle(self, kind: str, value: Any) -> None:
        turn = await self.get_turn()
        meta = {"channel": self.channel}
        if kind == "start":
            await self._play(turn, await turn.send(self.sender_id, "/greet", {**meta, "input": "call_start"}))
        elif kind == "speech":
            audio, early = value
            outcome = await turn.hear_utterance(
                self.sender_id, audio, channel=self.channel, conversation=self.conversation, early=early
            )
            await self._play(turn, outcome)
        elif kind == "dtmf":
            log.info("call %s: keypad entry %s", self.sender_id, mask(value))
            text = dtmf_text(value, self.conversation.expects)
            await self._play(turn, await turn.send(self.sender_id, text, {**meta, "input": "dtmf"}))
        elif kind == "reprompt":
            await self._say(turn, [prompt("still_there", self.conversation.language)], replay=True)
        elif kind == "goodbye":
            await self._say(turn, [prompt("silence_goodbye", self.conversation.language)])
            await self._drain()
            self._hangup.set()

    def _adapt(self, conversation: Conversation) -> None:
        """Seniors get longer pauses everywhere; one key answers a choice or a yes/no question."""
        self.conversation = conversation
        senior = conversation.senior or self.channel == "senior"
        self.endpointer.config = EndpointConfig.for_user(senior)
        self.dtmf.pause_s = self.settings.senior_dtmf_pause_s if senior else self.settings.dtmf_pause_s
        self.dtmf.single_key = conversation.expects in ("choice", "confirm")
        self.idle.set_timeout(self.settings.senior_reprompt_s if senior else self.settings.reprompt_s)

    def _hints(self, conversation: Conversation) -> list[str]:
        """Keypad hints, once each: the caller hears how to key numbers, confirmations and choices."""
        key = None
        if conversation.expects == "value" and conversation.step in NUMBER_STEPS:
            key, hint = f"number:{conversation.step}", "keypad_hint"
        elif conversation.expects in ("confirm", "choice"):
            key = hint = f"{conversation.expects}_keys"
        if key is None or key in self.hinted:
            return []
        self.hinted.add(key)
        return [prompt(hint, conversation.language)]

    async def _play(self, turn: VoiceTurn, outcome: TurnOutcome) -> None:
        self._adapt(outcome.conversation)
        outcome.replies += [{"text": text} for text in self._hints(outcome.conversation)]
        playback, spoken = self.playback, []
        async for part in turn.speak(outcome):
            if playback != self.playback:
                return  # the caller interrupted: the rest of this answer is dropped
            if part.speech is None:
                log.info("call %s: a reply has no audio (%s)", self.sender_id, part.status)
                continue
            ulaw = await asyncio.to_thread(speech_to_ulaw, part.speech)
            spoken.append(ulaw)
            await self._stream(ulaw)
        if playback != self.playback:
            return
        if spoken:
            self.last_reply = spoken
        await self._end_of_turn()

    async def _say(self, turn: VoiceTurn, texts: list[str], replay: bool = False) -> None:
        """The channel's own words (re-prompt, goodbye); `replay` repeats the last answer after them."""
        playback = self.playback
        for index, text in enumerate(texts):
            async for part in turn.speak_message(index, {"text": text}, self.conversation):
                if part.speech is not None and playback == self.playback:
                    await self._stream(await asyncio.to_thread(speech_to_ulaw, part.speech))
        if replay and playback == self.playback:
            for ulaw in self.last_reply:
                await self._stream(ulaw)
        await self._end_of_turn()

    async def _stream(self, ulaw: bytes) -> None:
        playback = self.playback
        self._sent_marks += 1
        name = f"reply-{self._sent_marks}"
        self.marks.add(name)  # playing from the first frame on: speech from here on is a barge-in
        for payload in ulaw_frames(ulaw):
            if playback != self.playback:
                return
            await self._send(twilio.media(self.stream_sid, payload))
        await self._send(twilio.mark(self.stream_sid, name))

    async def _end_of_turn(self) -> None:
        """A mark after an answer's last reply: echoed when the caller has heard the whole answer (also
        what a test client waits for)."""
        self._turns += 1
        name = f"turn-{self._turns}"
        self.marks.add(name)
        await self._send(twilio.mark(self.stream_sid, name))

    async def _drain(self, limit_s: float = 30.0) -> None:
        deadline = self.clock() + limit_s
        while self.marks and self.clock() < deadline:
            await asyncio.sleep(self.settings.tick_s)

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_text(json.dumps(message))
