"""Fixtures for the MMS worker tests, which run in `.venv-mms` (torch): `.venv-mms/bin/python -m pytest
tests/voice/mms`. In the Rasa venv each test module skips itself (no torch); nothing here imports torch at
collection time, so the main suite never loads it."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from tiny_models import build_all

    return build_all(tmp_path_factory.mktemp("mms-tiny"))


@pytest.fixture(scope="session")
def tiny_env(tiny_dirs: dict[str, Path]) -> dict[str, str]:
    return {
        "MMS_ASR_DIR": str(tiny_dirs["asr"]),
        "MMS_TTS_BO_DIR": str(tiny_dirs["tts_bo"]),
        "MMS_TTS_UG_DIR": str(tiny_dirs["tts_ug"]),
    }


@pytest.fixture(scope="session")
def engines(tiny_env: dict[str, str]):  # type: ignore[no-untyped-def]
    from voice.mms.engines import load_engines

    return load_engines(tiny_env)
