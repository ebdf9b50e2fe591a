"""The worker's HTTP API (voice/mms/worker.py) over the real engines on tiny models."""

from __future__ import annotations

import pytest

pytest.importorskip("torch", reason="needs torch: run `.venv-mms/bin/python -m pytest tests/voice/mms`")
pytest.importorskip("transformers", reason="needs transformers: run scripts/setup_mms_venv.sh")

import numpy as np  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from tiny_models import ASR_EXPECTED  # noqa: E402

from voice.audio import decode_wav, encode_wav  # noqa: E402
from voice.mms.engines import load_engines  # noqa: E402
from voice.mms.worker import create_app  # noqa: E402


def pcm_noise(seconds: float, rate: int) -> bytes:
    return (np.random.default_rng(1).normal(0, 3000, int(seconds * rate))).astype("<i2").tobytes()


@pytest.fixture(scope="module")
def client(engines) -> TestClient:
    return TestClient(create_app(engines))


def test_health_lists_what_is_loaded(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["asr"] == {"bo": "bod", "ug": "uig-script_arabic"}
    assert body["tts"]["bo"] == {"voice": "tts_bo", "sample_rate": 16000}
    assert set(body["tts"]) == {"bo", "ug"}
    assert body["problems"] == []


def test_health_with_nothing_loaded_says_why() -> None:
    body = TestClient(create_app(load_engines({}))).get("/health").json()
    assert body["asr"] == {} and body["tts"] == {}
    assert len(body["problems"]) == 3


def test_transcribe_wav(client: TestClient) -> None:
    wav = encode_wav(pcm_noise(1.5, 16000), 16000)
    r = client.post(
        "/transcribe", params={"language": "bo"}, content=wav, headers={"Content-Type": "audio/wav"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["text"] == ASR_EXPECTED["bod"] and body["language"] == "bo"
    assert body["audio_s"] == 1.5 and body["elapsed_s"] > 0


def test_transcribe_raw_pcm_at_8k_is_resampled(client: TestClient) -> None:
    r = client.post(
        "/transcribe",
        params={"language": "ug", "sample_rate": 8000},
        content=pcm_noise(1.0, 8000),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["text"] == ASR_EXPECTED["uig-script_arabic"] and r.json()["audio_s"] == 1.0


@pytest.mark.parametrize(
    ("params", "content", "ctype", "status", "words"),
    [
        ({"language": "zh"}, b"\0\0" * 16000, "application/octet-stream", 404, "speech recognition"),
        ({"language": "bo"}, b"RIFF-not-really", "audio/wav", 400, "WAV"),
        ({"language": "bo"}, b"", "application/octet-stream", 400, "empty"),
        ({"language": "bo"}, b"\0\0" * 16000 * 61, "application/octet-stream", 413, "limit"),
        ({}, b"\0\0" * 16000, "application/octet-stream", 422, "language"),
    ],
)
def test_transcribe_refusals_are_clear(client: TestClient, params, content, ctype, status, words) -> None:
    r = client.post("/transcribe", params=params, content=content, headers={"Content-Type": ctype})
    assert r.status_code == status, r.text
    assert words in r.text


def test_eight_bit_wav_is_refused(client: TestClient) -> None:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(16000)
        out.writeframes(b"\x80" * 16000)
    r = client.post(
        "/transcribe?language=bo", content=buffer.getvalue(), headers={"Content-Type": "audio/wav"}
    )
    assert r.status_code == 400 and "16-bit" in r.json()["detail"]


@pytest.mark.parametrize(("language", "text"), [("bo", "བཀྲ་ཤིས་བདེ་ལེགས།"), ("ug", "ياخشىمۇسىز")])
def test_synthesize_returns_a_valid_wav(client: TestClient, language: str, text: str) -> None:
    r = client.post("/synthesize", json={"text": text, "language": language, "rate": 0.8})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/wav"
    assert r.headers["x-voice"] == f"tts_{language}"
    frames, rate, channels = decode_wav(r.content)
    assert rate == 16000 and channels == 1 and len(frames) > 0
    assert np.abs(np.frombuffer(frames, dtype="<i2")).max() > 0


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        ({"text": "hello", "language": "zh"}, 404, "voice"),
        ({"text": "", "language": "bo"}, 422, "text"),
        ({"text": "123 !?", "language": "bo"}, 422, "alphabet"),
        ({"text": "ཀ", "language": "bo", "rate": 5}, 422, "rate"),
        ({"text": "ཀ" * 601, "language": "bo"}, 422, "text"),
    ],
)
def test_synthesize_refusals_are_clear(client: TestClient, payload, status, words) -> None:
    r = client.post("/synthesize", json=payload)
    assert r.status_code == status, r.text
    assert words in r.text
