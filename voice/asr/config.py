"""Speech-recognition settings, all from the environment (one value switches the model or the limits)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_DIR = "var/models/whisper-base"


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def default_model() -> str:
    """WHISPER_MODEL (a directory or a faster-whisper model name), else setup_whisper.py's directory."""
    configured = os.environ.get("WHISPER_MODEL")
    if configured:
        return configured
    path = Path(os.environ.get("WHISPER_MODEL_DIR", DEFAULT_MODEL_DIR))
    return str(path if path.is_absolute() else ROOT / path)


def _providers() -> dict[str, str]:
    """ASR_PROVIDERS="bo=mms,ug=mms": the provider for a language, where it should not be the one
    languages/registry.yml prefers (see registry.py); unset, the registry decides for every language."""
    raw = os.environ.get("ASR_PROVIDERS", "")
    pairs = (item.split("=", 1) for item in raw.split(",") if "=" in item)
    return {lang.strip(): provider.strip() for lang, provider in pairs if lang.strip() and provider.strip()}


@dataclass(frozen=True)
class ASRSettings:
    model: str = field(default_factory=default_model)
    device: str = field(default_factory=lambda: os.environ.get("WHISPER_DEVICE", "cpu"))
    compute_type: str = field(default_factory=lambda: os.environ.get("WHISPER_COMPUTE_TYPE", "int8"))
    threads: int = field(default_factory=lambda: int(os.environ.get("WHISPER_THREADS", "2")))
    beam_size: int = field(default_factory=lambda: int(os.environ.get("WHISPER_BEAM_SIZE", "5")))
    # Use the conversation's step to bias decoding (prompts, digit mode); off = the plain baseline.
    use_context: bool = field(default_factory=lambda: os.environ.get("WHISPER_USE_CONTEXT", "1") != "0")
    # Encoder window in seconds for answers shorter than it. Whisper is trained on 30 s; 20 s halves the
    # time on short answers at the same accuracy; 15 s loses accuracy on longer speech (benchmark --window).
    window_s: float = field(default_factory=lambda: _env_float("WHISPER_WINDOW_S", 20.0))
    max_audio_s: float = field(default_factory=lambda: _env_float("VOICE_MAX_AUDIO_S", 30.0))
    # Guards (see guards.py): Whisper's own thresholds unless measured otherwise.
    no_speech_prob: float = field(default_factory=lambda: _env_float("ASR_NO_SPEECH_PROB", 0.6))
    min_avg_logprob: float = field(default_factory=lambda: _env_float("ASR_MIN_AVG_LOGPROB", -1.0))
    max_compression_ratio: float = field(default_factory=lambda: _env_float("ASR_MAX_COMPRESSION_RATIO", 2.4))
    vad_threshold: float = field(default_factory=lambda: _env_float("ASR_VAD_THRESHOLD", 0.5))
    providers: dict[str, str] = field(default_factory=_providers)
