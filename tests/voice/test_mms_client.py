"""MmsRecognizer and MmsSynthesizer (gateway venv, httpx) against the real MMS worker process.

The worker runs in `.venv-mms` (Python 3.11, torch) on tiny MMS-shaped models that the same venv builds first
(tests/voice/mms/tiny_models.py). Nothing is faked: only the weights are random.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from voice.audio import decode_wav
from voice.mms.client import MmsError, MmsRecognizer, MmsSynthesizer, MmsWorker, mms_providers
from voice.speech import Audio, RecognitionContext

ROOT = Path(__file__).resolve().parents[2]
MMS_PYTHON = ROOT / ".venv-mms" / "bin" / "python"
BO_TEXT = "བཀྲ་ཤིས་བདེ་ལེགས།"
needs_mms_venv = pytest.mark.skipif(
    not MMS_PYTHON.exists(),
    reason=".venv-mms is missing: run scripts/setup_mms_venv.sh to test the MMS worker",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_worker(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    full_env = {**os.environ, **env, "MMS_PORT": str(port), "PYTHONPATH": str(ROOT), "LOG_LEVEL": "warning"}
    for var in ("MMS_ASR_DIR", "MMS_TTS_BO_DIR", "MMS_TTS_UG_DIR", "MMS_ASR_LANGS"):
        if var not in env:
            full_env.pop(var, None)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(MMS_PYTHON), "-m", "voice.mms.worker"], cwd=ROOT, env=full_env, stdout=out, stderr=out
        )
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path, limit_s: float = 90.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"MMS worker exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"MMS worker not ready in {limit_s:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Two real workers: one with tiny Tibetan/Uyghur models, one with nothing configured."""
    if not MMS_PYTHON.exists():
        pytest.skip(".venv-mms is missing: run scripts/setup_mms_venv.sh to test the MMS worker")
    root = tmp_path_factory.mktemp("mms")
    built = subprocess.run(
        [str(MMS_PYTHON), str(ROOT / "tests/voice/mms/tiny_models.py"), str(root / "models")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    dirs = json.loads(built.stdout.strip().splitlines()[-1])
    loaded_env = {
        "MMS_ASR_DIR": dirs["asr"],
        "MMS_TTS_BO_DIR": dirs["tts_bo"],
        "MMS_TTS_UG_DIR": dirs["tts_ug"],
    }
    loaded, loaded_url = start_worker(loaded_env, root / "loaded.log")
    empty, empty_url = start_worker({}, root / "empty.log")
    try:
        wait_ready(loaded, loaded_url, root / "loaded.log")
        wait_ready(empty, empty_url, root / "empty.log")
        yield {"loaded": loaded_url, "empty": empty_url}
    finally:
        for proc in (loaded, empty):
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def providers(workers: dict[str, str]) -> tuple[MmsRecognizer, MmsSynthesizer]:
    found = mms_providers({"MMS_URL": workers["loaded"], "MMS_TIMEOUT_S": "30"})
    assert found is not None
    return found


def pcm_noise(seconds: float, rate: int) -> bytes:
    return np.random.default_rng(2).normal(0, 3000, int(seconds * rate)).astype("<i2").tobytes()


@needs_mms_venv
def test_supports_only_what_the_worker_loaded(providers, workers) -> None:
    recognizer, synthesizer = providers
    assert recognizer.supports("bo") and recognizer.supports("ug")
    assert not recognizer.supports("zh") and not recognizer.supports(None)
    assert synthesizer.supports("bo") and synthesizer.supports("ug") and not synthesizer.supports("yue")
    nothing = MmsWorker(workers["empty"])
    assert not MmsRecognizer(nothing).supports("bo") and not MmsSynthesizer(nothing).supports("ug")
    assert any("MMS_ASR_DIR is not set" in p for p in nothing.status().problems)


@needs_mms_venv
def test_transcribes_tibetan_and_uyghur(providers) -> None:
    recognizer, _ = providers
    bo = recognizer.transcribe(Audio(pcm_noise(1.0, 16000), 16000), RecognitionContext(language="bo"))
    assert (bo.text, bo.language, bo.engine, bo.rejected) == ("ཅ", "bo", "mms", None)
    assert bo.audio_s == 1.0 and bo.elapsed_s >= bo.details["worker_s"] > 0
    # A hotline's 8 kHz audio: the worker resamples.
    ug = recognizer.transcribe(Audio(pcm_noise(2.0, 8000), 8000), RecognitionContext(language="ug"))
    assert (ug.text, ug.rejected) == ("چ", None)


@needs_mms_venv
def test_transcribe_rejects_what_it_cannot_hear(providers) -> None:
    recognizer, _ = providers
    zh = recognizer.transcribe(Audio(pcm_noise(1.0, 16000), 16000), RecognitionContext(language="zh"))
    assert zh.rejected == "unsupported_language" and zh.text == ""
    assert recognizer.transcribe(Audio(b"", 16000), RecognitionContext(language="bo")).rejected == "no_speech"
    long = Audio(b"\0\0" * 16000 * 61, 16000)
    assert recognizer.transcribe(long, RecognitionContext(language="bo")).rejected == "too_long"


@needs_mms_venv
def test_synthesizes_wav_at_the_requested_rate(providers) -> None:
    _, synthesizer = providers
    speech = asyncio.run(synthesizer.synthesize(BO_TEXT, "bo"))
    assert (speech.format, speech.engine, speech.voice) == ("wav", "mms", "tts_bo")
    frames, rate, channels = decode_wav(speech.audio)
    assert rate == 16000 and channels == 1 and len(frames) > 0
    slow = asyncio.run(synthesizer.synthesize(BO_TEXT, "bo", rate=0.5))
    fast = asyncio.run(synthesizer.synthesize(BO_TEXT, "bo", rate=2.0))
    assert len(decode_wav(slow.audio)[0]) > 2 * len(decode_wav(fast.audio)[0])
    ug = asyncio.run(synthesizer.synthesize("ياخشىمۇسىز", "ug"))
    assert ug.voice == "tts_ug" and len(decode_wav(ug.audio)[0]) > 0


@needs_mms_venv
def test_synthesis_errors_are_clear(providers, workers) -> None:
    _, synthesizer = providers
    with pytest.raises(MmsError, match="HTTP 422.*alphabet"):
        asyncio.run(synthesizer.synthesize("123 !?", "bo"))
    with pytest.raises(MmsError, match="no 'zh' MMS voice"):
        asyncio.run(synthesizer.synthesize("你好", "zh"))
    with pytest.raises(MmsError, match="MMS_TTS_BO_DIR is not set"):
        asyncio.run(MmsSynthesizer(MmsWorker(workers["empty"])).synthesize(BO_TEXT, "bo"))


def test_no_url_means_no_providers() -> None:
    assert mms_providers({}) is None
    assert mms_providers({"MMS_URL": "  "}) is None


def test_a_worker_that_is_down_is_not_claimed() -> None:
    worker = MmsWorker(f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    assert not MmsRecognizer(worker).supports("bo")
    assert time.monotonic() - started < 2.0
    assert "not answering /health" in (worker.status().error or "")
    with pytest.raises(MmsError, match="unreachable for transcribe"):
        worker.post("/transcribe", "transcribe")


def test_a_stalled_worker_times_out() -> None:
    # A socket that listens but never answers: connections complete, requests hang.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        worker = MmsWorker(f"http://127.0.0.1:{server.getsockname()[1]}", timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(MmsError, match="did not answer transcribe in time"):
            worker.post("/transcribe", "transcribe", content=b"\0\0")
        with pytest.raises(MmsError, match="did not answer synthesize in time"):
            asyncio.run(worker.apost("/synthesize", "synthesize", json={}))
        assert time.monotonic() - started < 3.0
