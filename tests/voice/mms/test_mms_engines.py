"""The worker's real loading and inference code (voice/mms/engines.py) on tiny MMS-shaped models."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="needs torch: run `.venv-mms/bin/python -m pytest tests/voice/mms`")
pytest.importorskip("transformers", reason="needs transformers: run scripts/setup_mms_venv.sh")

import numpy as np  # noqa: E402
from tiny_models import ASR_EXPECTED, build_single_asr, build_tts  # noqa: E402

from voice.mms.engines import UnsayableText, load_engines, parse_codes, to_model_input  # noqa: E402

BO_TEXT = "བཀྲ་ཤིས་བདེ་ལེགས།"
UG_TEXT = "ياخشىمۇسىز"


def noise(seconds: float, rate: int = 16000, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.1, int(seconds * rate)).astype(np.float32)


def test_asr_serves_each_language_with_its_own_adapter_and_vocabulary(engines) -> None:
    assert engines.asr_languages == {"bo": "bod", "ug": "uig-script_arabic"}
    # Back and forth: each call must switch both the adapter (head) and the tokenizer's vocabulary.
    for language, code in [("bo", "bod"), ("ug", "uig-script_arabic"), ("bo", "bod"), ("bo", "bod")]:
        text = engines.asr.transcribe(noise(1.0), language)
        assert isinstance(text, str)
        assert text == ASR_EXPECTED[code], (language, text)


def test_asr_frames_follow_the_audio_length(engines) -> None:
    # The CTC head sees one frame per 20 ms: the model really ran on the whole input.
    inputs = engines.asr.processor(noise(2.0), sampling_rate=16000, return_tensors="pt")
    logits = engines.asr.model(**inputs).logits
    assert logits.shape[0] == 1 and 95 <= logits.shape[1] <= 100
    assert logits.shape[2] == len(engines.asr.tokenizer.encoder)


def test_missing_adapter_leaves_that_language_out_and_says_why(tiny_dirs, tmp_path: Path) -> None:
    asr_dir = tmp_path / "asr"
    shutil.copytree(tiny_dirs["asr"], asr_dir)
    (asr_dir / "adapter.uig-script_arabic.safetensors").unlink()
    engines = load_engines({"MMS_ASR_DIR": str(asr_dir)})
    assert engines.asr_languages == {"bo": "bod"}
    assert any("Uyghur" in p and "adapter.uig-script_arabic.safetensors" in p for p in engines.problems)
    assert engines.asr.transcribe(noise(0.5), "bo") == ASR_EXPECTED["bod"]


def test_single_language_model_needs_its_language_named(tmp_path: Path) -> None:
    model_dir = build_single_asr(tmp_path / "ug-only", "uig-script_arabic")
    unnamed = load_engines({"MMS_ASR_DIR": str(model_dir)})
    assert unnamed.asr_languages == {}
    assert any("MMS_ASR_LANGS" in p for p in unnamed.problems)
    named = load_engines({"MMS_ASR_DIR": str(model_dir), "MMS_ASR_LANGS": "ug=uig-script_arabic"})
    assert named.asr_languages == {"ug": "uig-script_arabic"}
    assert named.asr.transcribe(noise(1.0), "ug") == ASR_EXPECTED["uig-script_arabic"]


def test_nothing_configured_loads_nothing_and_names_each_setting() -> None:
    engines = load_engines({})
    assert engines.asr is None and engines.tts == {}
    joined = " | ".join(engines.problems)
    for var in ("MMS_ASR_DIR", "MMS_TTS_BO_DIR", "MMS_TTS_UG_DIR"):
        assert var in joined


def test_wrong_paths_are_problems_not_crashes(tmp_path: Path) -> None:
    engines = load_engines({"MMS_ASR_DIR": str(tmp_path / "nowhere"), "MMS_TTS_BO_DIR": str(tmp_path)})
    assert engines.asr is None and engines.tts == {}
    assert any("nowhere" in p and "config.json" in p for p in engines.problems)
    assert any("MMS_TTS_BO_DIR" in p and "config.json" in p for p in engines.problems)


def test_parse_codes() -> None:
    assert parse_codes(None) == {"bo": "bod", "ug": "uig-script_arabic"}
    assert parse_codes(" bo=bod ") == {"bo": "bod"}
    with pytest.raises(ValueError, match="LANG=MMS_CODE"):
        parse_codes("bod")


def test_model_input_is_16k_mono_float() -> None:
    tone = (np.sin(np.arange(8000) * 2 * np.pi * 440 / 8000) * 16000).astype("<i2")
    samples = to_model_input(tone.tobytes(), 8000)
    assert samples.dtype == np.float32 and samples.shape == (16000,)
    assert 0.4 < float(np.abs(samples).max()) < 0.6
    stereo = (
        np.stack([tone, np.zeros_like(tone)], axis=1).astype("<i2").tobytes() + b"\x01"
    )  # odd byte dropped
    mono = to_model_input(stereo, 16000, channels=2)
    assert mono.shape == (8000,) and 0.2 < float(np.abs(mono).max()) < 0.3


def test_tibetan_voice_gives_int16_audio(engines) -> None:
    voice = engines.tts["bo"]
    samples = voice.synthesize(BO_TEXT)
    assert samples.dtype == np.int16 and samples.ndim == 1 and samples.size > 0
    assert voice.sample_rate == 16000
    assert int(np.abs(samples).max()) > 0
    assert np.array_equal(samples, voice.synthesize(BO_TEXT)), "same text and seed, same audio"


def test_rate_changes_the_length(engines) -> None:
    voice = engines.tts["bo"]
    slow, fast = voice.synthesize(BO_TEXT, rate=0.5), voice.synthesize(BO_TEXT, rate=2.0)
    assert slow.size > 2 * fast.size


def test_uyghur_voice_reads_arabic_script(engines) -> None:
    voice = engines.tts["ug"]
    assert not voice.tokenizer.is_uroman and voice._prepare(UG_TEXT) == UG_TEXT
    samples = voice.synthesize(UG_TEXT)
    assert samples.dtype == np.int16 and samples.size > 0


def test_a_romanising_voice_reads_uyghur_through_uroman(tmp_path: Path) -> None:
    engines = load_engines({"MMS_TTS_UG_DIR": str(build_tts(tmp_path / "ug-latin", "ug", uroman=True))})
    voice = engines.tts["ug"]
    assert voice.tokenizer.is_uroman
    assert voice._prepare(UG_TEXT).isascii()
    samples = voice.synthesize(UG_TEXT)
    assert samples.dtype == np.int16 and samples.size > 0


def test_text_outside_the_alphabet_is_refused(engines) -> None:
    with pytest.raises(UnsayableText, match="alphabet"):
        engines.tts["bo"].synthesize("12345 !?")


def test_bfloat16_asr_loads_and_switches_adapters(tiny_dirs) -> None:
    engines = load_engines({"MMS_ASR_DIR": str(tiny_dirs["asr"]), "MMS_ASR_DTYPE": "bfloat16"})
    assert str(engines.asr.model.dtype) == "torch.bfloat16"
    assert engines.asr.transcribe(noise(1.0), "ug") == ASR_EXPECTED["uig-script_arabic"]
    assert engines.asr.transcribe(noise(1.0), "bo") == ASR_EXPECTED["bod"]
    bad = load_engines({"MMS_ASR_DIR": str(tiny_dirs["asr"]), "MMS_ASR_DTYPE": "int4"})
    assert bad.asr is None and any("MMS_ASR_DTYPE" in p for p in bad.problems)
