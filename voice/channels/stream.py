"""The app's streaming voice channel (/ws/voice): live microphone audio in, partial transcripts and spoken
replies out.

Client → server
  text   {"type": "start", "sender_id": str, "channel": "app" | "senior" (optional), "sample_rate": 16000}
  binary 16-bit little-endian mono PCM at `sample_rate` (any chunk size; 20–100 ms is typical)
  text   {"type": "end_of_speech"}   push-to-talk released: end the utterance now
  text   {"type": "playback_done"}   the client finished playing the replies
  text   {"type": "stop"}
Server → client (JSON text)
  ready · speech_started · partial {text} · speech_ended · transcript {text, rejected} ·
  per message: reply {index, text, buttons, custom} at once, then audio {index, part, audio (base64),
  audio_format} for each sentence as soon as it is synthesised (play the parts in order), then
  reply_end {index, audio_status: ok | partial | text_only | failed | no_text | interrupted} ·
  turn_end {language, senior_mode, state} · stop_playback (the user spoke over the reply: stop
  playing it) · error {error, message}
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from voice.audio import RECOGNITION_RATE, Resampler
from voice.channels.endpoint import EndpointConfig, Endpointer, SpeechEnded, SpeechPausing, SpeechStarted
from voice.channels.http import shown
from voice.channels.logs import channel_logger
from voice.channels.turn import Conversation, EarlyTranscript, VoiceTurn
from voice.schemas import SENDER_ID_PATTERN, Message
from voice.speech import Audio

log = channel_logger("voice.stream")
PARTIAL_EVERY_S = 1.0  # re-decode the growing utterance after each second of new speech
PARTIAL_MAX_S = 12.0  # past this, partials cost more than they show
CHANNELS = {"app", "senior"}
ChatResponder = Callable[[str, list[dict[str, Any]], dict[str, Any]], Any]


class StreamError(Exception):
    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error, self.message = error, message


class VoiceStream:
    def __init__(
        self, websocket: WebSocket, get_turn: Callable[[], Awaitable[VoiceTurn]], chat_response: ChatResponder
    ) -> None:
        self.ws, self.get_turn, self.chat_response = websocket, get_turn, chat_response
        self.sender_id = ""
        self.channel = "app"
        self.resampler = Resampler(RECOGNITION_RATE, RECOGNITION_RATE)
        self.endpointer = Endpointer()
        self.conversation = Conversation()
        self.utterances: asyncio.Queue[tuple[Audio, EarlyTranscript | None]] = asyncio.Queue()
        self._early: EarlyTranscript | None = None
        self.playing = False
        self.playback = 0  # bumped on barge-in
        self._partial_at = 0.0  # speech seconds at the last partial decode
        self._partial: asyncio.Task | None = None
        self._send_lock = asyncio.Lock()

    async def run(self) -> None:
        await self.ws.accept()
        worker: asyncio.Task | None = None
        code = 1000
        try:
            await self._start(await self.ws.receive_text())
            worker = asyncio.create_task(self._work())
            while True:
                message = await self.ws.receive()
                if message.get("type") == "websocket.disconnect":
                    return
                if message.get("bytes") is not None:
                    await self._on_audio(message["bytes"])
                elif message.get("text") is not None and not await self._on_control(message["text"]):
                    return
        except WebSocketDisconnect:
            return
        except StreamError as error:
            await self._send({"type": "error", "error": error.error, "message": error.message})
            code = 1008
        finally:
            for task in (worker, self._partial):
                if task is not None:
                    task.cancel()
            # Close with a close frame: returning alone lets the server drop the TCP connection, which
            # the client sees as an abnormal closure.
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # the peer may have gone already
                await self.ws.close(code=code)

    async def _start(self, frame: str) -> None:
        try:
            start = json.loads(frame)
            rate = int(start.get("sample_rate") or RECOGNITION_RATE)
        except (ValueError, TypeError, AttributeError) as error:
            raise StreamError("invalid_start", "the first message must be a JSON start message") from error
        sender = start.get("sender_id")
        if (
            start.get("type") != "start"
            or not isinstance(sender, str)
            or not re.match(SENDER_ID_PATTERN, sender)
        ):
            raise StreamError(
                "invalid_start", 'send {"type": "start", "sender_id": "<1-64 of A-Za-z0-9_.:@->"}'
            )
        if not 8000 <= rate <= 48000:
            raise StreamError("invalid_sample_rate", "sample_rate must be between 8000 and 48000")
        self.sender_id, self.resampler = sender, Resampler(rate, RECOGNITION_RATE)
        self.channel = start.get("channel") if start.get("channel") in CHANNELS else "app"
        self.conversation = await (await self.get_turn()).conversation(sender)
        self._adapt(self.conversation)
        await self._send({"type": "ready", "sender_id": sender})

    def _adapt(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.endpointer.config = EndpointConfig.for_user(conversation.senior or self.channel == "senior")

    async def _on_audio(self, chunk: bytes) -> None:
        if len(chunk) % 2:
            raise StreamError("invalid_audio", "audio frames are 16-bit PCM: an even number of bytes")
        for event in self.endpointer.feed(self.resampler.convert(chunk)):
            await self._on_endpoint(event)
        if self.endpointer.in_speech:
            self._maybe_partial()

    async def _on_endpoint(self, event: SpeechStarted | SpeechPausing | SpeechEnded | None) -> None:
        if isinstance(event, SpeechPausing):
            self._early = (await self.get_turn()).recognise_early(event.audio, self.conversation)
        elif isinstance(event, SpeechStarted):
            self._partial_at, self._early = 0.0, None
            await self._send({"type": "speech_started"})
            if self.playing:  # barge-in: the user talks over the reply
                self.playing = False
                self.playback += 1  # and the rest of that answer is not synthesised
                await self._send({"type": "stop_playback"})
        elif isinstance(event, SpeechEnded):
            await self._send({"type": "speech_ended"})
            self.utterances.put_nowait((event.audio, self._early))
            self._early = None

    async def _on_control(self, frame: str) -> bool:
        try:
            kind = json.loads(frame).get("type")
        except (ValueError, AttributeError) as error:
            raise StreamError("invalid_message", "control messages are JSON objects with a type") from error
        if kind == "end_of_speech":
            await self._on_endpoint(self.endpointer.force_end())
        elif kind == "playback_done":
            self.playing = False
        elif kind == "stop":
            return False
        return True

    def _maybe_partial(self) -> None:
        spoken = self.endpointer.speech_audio.duration_s
        if spoken - self._partial_at < PARTIAL_EVERY_S or spoken > PARTIAL_MAX_S:
            return
        if self.endpointer.pausing:
            return  # a decode now would hold up the final one, which may be due in a moment
        if self._partial is not None and not self._partial.done():
            return
        self._partial_at = spoken
        self._partial = asyncio.create_task(self._decode_partial(self.endpointer.speech_audio))

    async def _decode_partial(self, audio: Audio) -> None:
        transcript = await (await self.get_turn()).recognise(audio, self.conversation)
        if transcript.rejected is None and transcript.text and self.endpointer.in_speech:
            await self._send({"type": "partial", "text": transcript.text})

    async def _work(self) -> None:
        while True:
            audio, early = await self.utterances.get()
            try:
                await self._turn(audio, early)
            except Exception:  # a failed turn must not end the session
                log.exception("stream %s: voice turn failed", self.sender_id)
                await self._send({"type": "error", "error": "turn_failed", "message": "please say it again"})

    async def _turn(self, audio: Audio, early: EarlyTranscript | None = None) -> None:
        turn = await self.get_turn()
        outcome = await turn.hear_utterance(
            self.sender_id, audio, channel=self.channel, conversation=self.conversation, early=early
        )
        transcript = outcome.transcript
        assert transcript is not None
        heard = transcript.text if transcript.rejected is None else ""
        await self._send({"type": "transcript", "text": heard, "rejected": transcript.rejected})
        self._adapt(outcome.conversation)
        playback = self.playback
        for index, message in enumerate(m for m in outcome.replies if shown(m)):
            # the text first, then its audio sentence by sentence: playback starts with the first one
            await self._send({"type": "reply", "index": index, **Message(**message).dict()})
            status = "interrupted"
            if playback == self.playback:
                status = await self._speak(turn, index, message, outcome.conversation, playback)
            await self._send({"type": "reply_end", "index": index, "audio_status": status})
        chat = self.chat_response(self.sender_id, [], outcome.tracker)
        await self._send({"type": "turn_end", **chat.dict(exclude={"messages", "sender_id"})})

    async def _speak(
        self, turn: VoiceTurn, index: int, message: dict[str, Any], conversation: Conversation, playback: int
    ) -> str:
        part_no, status = 0, "no_text"
        async for part in turn.speak_message(index, message, conversation):
            if playback != self.playback:
                return "interrupted"  # the user barged in: the rest is neither synthesised nor sent
            status = part.status
            if part.speech is not None:
                self.playing = True
                audio = base64.b64encode(part.speech.audio).decode("ascii")
                fmt = part.speech.format
                await self._send(
                    {"type": "audio", "index": index, "part": part_no, "audio": audio, "audio_format": fmt}
                )
                part_no += 1
        return status

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_text(json.dumps(message, ensure_ascii=False))
