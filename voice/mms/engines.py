"""Loading the MMS models once and running them: Wav2Vec2ForCTC (+ language adapters) and VITS.

Imports torch: used only by the worker in `.venv-mms`. Everything loads from local folders the operator
configures; the hub is switched off before transformers is imported, so nothing is ever downloaded.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import threading  # noqa: E402 - after the offline switches, which transformers reads on import
import time  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from functools import cache  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from scipy.signal import resample_poly  # noqa: E402
from transformers import AutoProcessor, AutoTokenizer, VitsModel, Wav2Vec2ForCTC  # noqa: E402

from languages import languages

ASR_RATE = 16000  # every MMS ASR model takes 16 kHz input
# From the languages registry: project language -> MMS language code (adapter and vocabulary key), which
# MMS_ASR_LANGS overrides; each MMS voice's model directory comes from MMS_TTS_<LANG>_DIR.
DEFAULT_CODES = {code: lang.asr["mms"] for code, lang in languages().items() if "mms" in lang.asr}
LANGUAGE_NAMES = {code: lang.english_name for code, lang in languages().items()}
TTS_ENV = {code: f"MMS_TTS_{code.upper()}_DIR" for code, lang in languages().items() if "mms" in lang.tts}
# bfloat16 ran mms-1b-all's shape 1.3-2.5x faster than float32 on this machine's CPUs (AVX512-BF16/AMX);
# float32 stays the default until its accuracy is checked on the real weights.
ASR_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


class LoadProblem(Exception):
    """A configured model cannot serve a language; the message tells the operator what to fix."""


class UnsayableText(ValueError):
    """Nothing in the text is in the voice's alphabet."""


def parse_codes(spec: str | None) -> dict[str, str]:
    """`bo=bod,ug=uig-script_arabic` -> {"bo": "bod", ...}; empty or None gives the defaults."""
    if not spec or not spec.strip():
        return dict(DEFAULT_CODES)
    codes: dict[str, str] = {}
    for item in spec.split(","):
        lang, sep, code = item.strip().partition("=")
        if not sep or not lang.strip() or not code.strip():
            raise ValueError(f"MMS_ASR_LANGS item {item!r} is not LANG=MMS_CODE (e.g. bo=bod)")
        codes[lang.strip()] = code.strip()
    return codes


def to_model_input(pcm: bytes, sample_rate: int, channels: int = 1) -> np.ndarray:
    """16-bit PCM at any rate -> mono float32 at 16 kHz in [-1, 1]."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % (2 * channels)], dtype="<i2").astype(np.float32)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    samples /= 32768.0
    if sample_rate != ASR_RATE and samples.size:
        g = np.gcd(sample_rate, ASR_RATE)
        samples = resample_poly(samples, ASR_RATE // g, sample_rate // g).astype(np.float32)
    return samples


class MmsAsr:
    """One Wav2Vec2ForCTC model; with adapters (mms-1b-all) it serves each language whose adapter is there."""

    def __init__(self, model_dir: Path, codes: Mapping[str, str], dtype: torch.dtype = torch.float32) -> None:
        if not (model_dir / "config.json").is_file():
            raise LoadProblem(f"MMS_ASR_DIR={model_dir} has no config.json: not a saved Wav2Vec2ForCTC model")
        self.model_dir = model_dir
        self.processor = AutoProcessor.from_pretrained(model_dir, local_files_only=True)
        self.model = Wav2Vec2ForCTC.from_pretrained(model_dir, local_files_only=True, dtype=dtype).eval()
        self.tokenizer = self.processor.tokenizer
        self.has_adapters = self.model.config.adapter_attn_dim is not None
        self.languages: dict[str, str] = {}  # project language -> MMS code
        self.problems: list[str] = []
        self._active: str | None = None
        self._lock = threading.Lock()  # adapters and the tokenizer's language are shared state
        if self.has_adapters:
            self._find_adapters(codes)
        elif len(codes) == 1:
            self.languages = dict(codes)  # a single-language fine-tune: the operator says which language
        else:
            self.problems.append(
                f"MMS_ASR_DIR={model_dir} has no language adapters, so it serves one language: "
                "set MMS_ASR_LANGS to that one (e.g. bo=bod)"
            )

    def _find_adapters(self, codes: Mapping[str, str]) -> None:
        vocab = self.tokenizer.vocab
        nested = bool(vocab) and all(isinstance(v, dict) for v in vocab.values())
        for lang, code in codes.items():
            files = [self.model_dir / f"adapter.{code}.safetensors", self.model_dir / f"adapter.{code}.bin"]
            if not any(f.is_file() for f in files):
                self.problems.append(f"no {LANGUAGE_NAMES.get(lang, lang)} ASR: {files[0]} is missing")
            elif not nested or code not in vocab:
                self.problems.append(
                    f"no {LANGUAGE_NAMES.get(lang, lang)} ASR: vocab.json has no '{code}' entry"
                )
            else:
                try:  # load each adapter once now, so a broken one shows up at start, not on a call
                    self._activate(code)
                except (OSError, ValueError, KeyError) as exc:
                    self.problems.append(f"no {LANGUAGE_NAMES.get(lang, lang)} ASR: adapter {code}: {exc}")
                else:
                    self.languages[lang] = code

    def _activate(self, code: str) -> None:
        if self._active == code:
            return
        self._active = None
        self.tokenizer.set_target_lang(code)
        self.model.load_adapter(code, local_files_only=True)
        self._active = code

    def transcribe(self, samples: np.ndarray, language: str) -> str:
        """16 kHz float32 mono -> text (greedy CTC, as MMS does without a language model)."""
        code = self.languages[language]
        with self._lock:
            if self.has_adapters:
                self._activate(code)
            inputs = self.processor(samples, sampling_rate=ASR_RATE, return_tensors="pt")
            inputs["input_values"] = inputs["input_values"].to(self.model.dtype)
            with torch.inference_mode():
                logits = self.model(**inputs).logits
            text = self.processor.decode(logits.argmax(dim=-1)[0])
        return text.strip()


@cache
def _uroman():  # type: ignore[no-untyped-def]
    # Building the romaniser takes about 3 s; transformers would build one per call.
    import uroman

    return uroman.Uroman()


class MmsTts:
    """One MMS-TTS (VITS) voice for one language."""

    def __init__(self, model_dir: Path, language: str) -> None:
        if not (model_dir / "config.json").is_file():
            raise LoadProblem(f"{TTS_ENV[language]}={model_dir} has no config.json: not a saved VitsModel")
        self.language = language
        self.voice = model_dir.name
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        if getattr(self.tokenizer, "phonemize", False):
            raise LoadProblem(
                f"{model_dir}: this VITS tokenizer needs phonemizer/espeak; MMS-TTS voices do not"
            )
        if getattr(self.tokenizer, "is_uroman", False):
            try:
                _uroman()  # now, not on the first call
            except ImportError as exc:
                raise LoadProblem(
                    f"{model_dir}: this voice reads romanised text: pip install uroman"
                ) from exc
        self.model = VitsModel.from_pretrained(model_dir, local_files_only=True).eval()
        self.sample_rate = int(self.model.config.sampling_rate)
        self._lock = threading.Lock()

    def _prepare(self, text: str) -> str:
        # MMS romanises first and lower-cases after (the tokenizer's normaliser does the lower-casing).
        if getattr(self.tokenizer, "is_uroman", False) and not text.isascii():
            text = _uroman().romanize_string(text)
        kept, _ = self.tokenizer.prepare_for_tokenization(text)
        if not kept.strip():
            raise UnsayableText(f"none of the characters in {text[:40]!r} are in the {self.voice} alphabet")
        return text

    def synthesize(self, text: str, rate: float = 1.0, seed: int = 0) -> np.ndarray:
        """Text -> int16 mono samples at `sample_rate`. `rate` < 1 speaks slower (seniors)."""
        inputs = self.tokenizer(self._prepare(text), return_tensors="pt")
        if int(inputs.input_ids.max()) >= self.model.config.vocab_size:
            raise UnsayableText(f"the {self.voice} tokenizer produced ids outside the model's vocabulary")
        with self._lock, torch.inference_mode():
            torch.manual_seed(seed)  # VITS samples noise: the same text gives the same audio
            waveform = self.model(**inputs, speaking_rate=rate).waveform[0]
        return (waveform.clamp(-1.0, 1.0) * 32767.0).round().to(torch.int16).numpy()


@dataclass
class Engines:
    """What the worker loaded, and why anything the operator may expect is missing."""

    asr: MmsAsr | None = None
    tts: dict[str, MmsTts] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    load_s: float = 0.0

    @property
    def asr_languages(self) -> dict[str, str]:
        return dict(self.asr.languages) if self.asr else {}

    def describe(self) -> dict[str, object]:
        return {
            "asr": self.asr_languages,
            "tts": {lang: {"voice": t.voice, "sample_rate": t.sample_rate} for lang, t in self.tts.items()},
            "problems": list(self.problems),
            "load_s": round(self.load_s, 2),
        }


def load_engines(environ: Mapping[str, str] | None = None) -> Engines:
    """Loads every model the environment names; a missing or broken one becomes a problem, never a crash."""
    env = os.environ if environ is None else environ
    started = time.perf_counter()
    engines = Engines()
    if threads := env.get("MMS_THREADS"):
        torch.set_num_threads(int(threads))
    asr_dir = env.get("MMS_ASR_DIR", "").strip()
    if not asr_dir:
        engines.problems.append("MMS_ASR_DIR is not set: no MMS speech recognition (Tibetan, Uyghur)")
    else:
        try:
            dtype_name = env.get("MMS_ASR_DTYPE", "float32").strip() or "float32"
            if dtype_name not in ASR_DTYPES:
                raise ValueError(f"MMS_ASR_DTYPE={dtype_name!r}: use one of {', '.join(ASR_DTYPES)}")
            codes = parse_codes(env.get("MMS_ASR_LANGS"))
            engines.asr = MmsAsr(Path(asr_dir), codes, ASR_DTYPES[dtype_name])
            engines.problems.extend(engines.asr.problems)
        except (LoadProblem, OSError, ValueError) as exc:
            engines.problems.append(f"MMS ASR not loaded from {asr_dir}: {exc}")
    for lang, var in TTS_ENV.items():
        tts_dir = env.get(var, "").strip()
        if not tts_dir:
            engines.problems.append(f"{var} is not set: no MMS {LANGUAGE_NAMES[lang]} voice")
            continue
        try:
            engines.tts[lang] = MmsTts(Path(tts_dir), lang)
        except (LoadProblem, OSError, ValueError) as exc:
            engines.problems.append(f"MMS {LANGUAGE_NAMES[lang]} voice not loaded from {tts_dir}: {exc}")
    engines.load_s = time.perf_counter() - started
    return engines
