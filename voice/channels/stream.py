"""The app's streaming voice channel (/ws/voice): live microphone audio in, partial transcripts and spoken
replies out. A transport over the voice pipeline (voice/pipeline); the wire format is stream_protocol.py.

Pipeline: endpointing → early recognition → partial transcripts → barge-in → turn-taking → speaker → this
output. The user speaks first (the conversation may have started by text); closing is a close frame: 1000
when the client stops or leaves, 1008 after a protocol error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from privacy.logs import digits_logger
from voice.audio import RECOGNITION_RATE, Resampler
from voice.channels import stream_protocol as wire
from voice.channels.turn import VoiceTurn
from voice.pipeline.frames import (
    AudioIn,
    BotInterrupted,
    BotStartedSpeaking,
    BotStoppedSpeaking,
    Frame,
    ReplyAudio,
    SessionStarted,
    StopPlayback,
    UserEndOfSpeech,
)
from voice.pipeline.processor import UPSTREAM, Direction, FrameProcessor, Pipeline
from voice.pipeline.recognition import EarlyRecognition, PartialTranscripts
from voice.pipeline.speaker import Speaker
from voice.pipeline.turns import BargeIn, TurnTaking
from voice.pipeline.vad import Endpointing

log = digits_logger("voice.stream")


class StreamOutput(FrameProcessor):
    """The end of the stream's pipeline: every frame the client is shown becomes a JSON message. `playing`:
    audio was sent and the client has not said playback_done since; speech over it stops it."""

    def __init__(self, send: Callable[[dict[str, Any]], Awaitable[None]], chat: wire.ChatView) -> None:
        super().__init__()
        self.send, self.chat = send, chat
        self.sender_id = ""
        self.playing = False

    async def process(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, StopPlayback):
            if self.playing:  # barge-in: the user talks over the reply
                self.playing = False
                await self.push(BotInterrupted(), UPSTREAM)  # and the rest of that answer is not synthesised
                await self.send(wire.stop_playback())
            return
        if isinstance(frame, ReplyAudio) and not self.playing:
            self.playing = True
            await self.push(BotStartedSpeaking(), UPSTREAM)
        message = wire.message(frame, self.sender_id, self.chat)
        if message is not None:
            await self.send(message)

    async def played(self) -> None:
        self.playing = False
        await self.push(BotStoppedSpeaking(), UPSTREAM)


class VoiceStream:
    def __init__(
        self, websocket: WebSocket, get_turn: Callable[[], Awaitable[VoiceTurn]], chat_response: wire.ChatView
    ) -> None:
        self.ws = websocket
        self.sender_id = ""
        self.resampler = Resampler(RECOGNITION_RATE, RECOGNITION_RATE)
        self.output = StreamOutput(self._send, chat_response)
        self.pipeline = Pipeline(
            [
                Endpointing(),
                EarlyRecognition(get_turn),
                PartialTranscripts(get_turn),
                BargeIn(),
                TurnTaking(get_turn, log, greet=False),
                Speaker(get_turn),
                self.output,
            ]
        )
        self._send_lock = asyncio.Lock()

    async def run(self) -> None:
        await self.ws.accept()
        code = 1000
        try:
            start = wire.parse_start(await self.ws.receive_text())
            self.sender_id = self.output.sender_id = start.sender_id
            self.resampler = Resampler(start.sample_rate, RECOGNITION_RATE)
            await self.pipeline.start()
            await self.pipeline.push(SessionStarted(start.sender_id, start.channel))
            await self._send(wire.ready(start.sender_id))
            while True:
                message = await self.ws.receive()
                if message.get("type") == "websocket.disconnect":
                    return
                if message.get("bytes") is not None:
                    pcm = self.resampler.convert(wire.check_audio(message["bytes"]))
                    await self.pipeline.push(AudioIn(pcm))
                elif message.get("text") is not None and not await self._on_control(message["text"]):
                    return
        except WebSocketDisconnect:
            return
        except wire.StreamError as error:
            await self._send(wire.error(error.error, error.message))
            code = 1008
        finally:
            await self.pipeline.stop()
            # Close with a close frame: returning alone lets the server drop the TCP connection, which
            # the client sees as an abnormal closure.
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # the peer may have gone already
                await self.ws.close(code=code)

    async def _on_control(self, frame: str) -> bool:
        kind = wire.parse_control(frame)
        if kind == "end_of_speech":
            await self.pipeline.push(UserEndOfSpeech())
        elif kind == "playback_done":
            await self.output.played()
        elif kind == "stop":
            return False
        return True

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_text(json.dumps(message, ensure_ascii=False))
