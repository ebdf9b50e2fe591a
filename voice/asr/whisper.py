"""Whisper speech recognition (faster-whisper / CTranslate2, int8 on the CPU) for zh, yue and bo.

Decoding runs on faster-whisper's model, feature extractor and tokenizer rather than through
``WhisperModel.transcribe``, because the conversation's context needs what transcribe() cannot give: a
second, digits-only pass on the same encoder output (the encoder is most of the cost) and several hypotheses
to check against what the step accepts. Settings (measured, benchmarks/asr_benchmark.py): beam 5, no
timestamps, no conditioning on previous text, no temperature fallback (a doubtful result is rejected by the
guards and the user asked again: the sampled fallback is what produced 20-second repetition loops), and a
20-second encoder window for answers shorter than that (WHISPER_WINDOW_S; Whisper's own is 30 s, which
costs twice the time on a 2-second answer for no measurable gain).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer

import languages
from dialects.chinese import to_simplified
from dialects.numbers import normalize_spoken_digits
from languages import DEFAULT_LANGUAGE
from voice.asr import guards, hints
from voice.asr.config import ASRSettings
from voice.audio import RECOGNITION_RATE as SAMPLE_RATE
from voice.audio import resample, to_float32
from voice.speech import Audio, RecognitionContext, Transcript

# Conversation language → Whisper decoding language, from languages/registry.yml (asr: whisper). Whisper base
# has no Cantonese token (yue gives garbage): Cantonese is decoded as Chinese. Whisper has no Uyghur at all.
DECODE_LANGUAGE = {
    code: language.asr["whisper"]
    for code, language in languages.languages().items()
    if "whisper" in language.asr
}
WINDOW_FRAMES = 3000  # 30 s of 10 ms mel frames: the encoder's full input
MAX_TOKENS = 448  # Whisper's decoder context
TOKENS_PER_S = 12  # generous for Chinese (≈1.3 tokens a character, at most 8 characters a second)
# A prompted result shorter than this many characters per second of speech was probably cut off.
MIN_CHARS_PER_S_PROMPTED = 2.0
_DIGITS_AND_X = re.compile(r"[^0-9X]")
_SPOKEN_DIGITS = frozenset(hints.DIGIT_CHARACTERS) - set("。、")
CROP_MARGIN_S = 1.0
MIN_DIGITS_HEARD = 3  # the free pass must have heard a number before the digit pass may write one


@dataclass(frozen=True)
class Hypothesis:
    text: str
    avg_logprob: float
    no_speech_prob: float
    prompt: str | None = None


class WhisperRecognizer:
    """SpeechRecognizer for Mandarin (zh), Cantonese (yue, decoded as zh) and Tibetan (bo)."""

    name = "whisper"

    def __init__(self, settings: ASRSettings | None = None) -> None:
        self.settings = settings or ASRSettings()
        self._model: WhisperModel | None = None
        self._tokenizers: dict[str, Tokenizer] = {}
        self._digit_suppress: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    @property
    def engine(self) -> str:
        return f"faster-whisper:{Path(self.settings.model).name}"

    def supports(self, language: str | None) -> bool:
        return language is None or language in DECODE_LANGUAGE

    # -- model -----------------------------------------------------------------------------------------

    def load(self) -> WhisperModel:
        """Load once (thread-safe). Never downloads: a model name must already be in the local cache."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = WhisperModel(
                        self.settings.model,
                        device=self.settings.device,
                        compute_type=self.settings.compute_type,
                        cpu_threads=self.settings.threads,
                        local_files_only=True,
                    )
        return self._model

    def _tokenizer(self, language: str) -> Tokenizer:
        model = self.load()
        with self._lock:
            if language not in self._tokenizers:
                self._tokenizers[language] = Tokenizer(
                    model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
                )
            return self._tokenizers[language]

    def _suppress(self, tokenizer: Tokenizer, digits_only: bool) -> list[int]:
        """faster-whisper's default suppression, or every text token except the digit characters."""
        specials = [tokenizer.transcribe, tokenizer.translate, tokenizer.sot, tokenizer.sot_prev]
        specials += [tokenizer.sot_lm, tokenizer.no_speech]
        if not digits_only:
            return sorted(set(tokenizer.non_speech_tokens) | set(specials))
        key = tokenizer.language_code
        with self._lock:
            if key not in self._digit_suppress:
                allowed = {token for ch in hints.DIGIT_CHARACTERS for token in tokenizer.encode(ch)}
                suppressed = [t for t in range(tokenizer.eot) if t not in allowed]
                self._digit_suppress[key] = sorted(set(suppressed) | set(specials))
            return self._digit_suppress[key]

    # -- recognition -----------------------------------------------------------------------------------

    def transcribe(self, audio: Audio, context: RecognitionContext) -> Transcript:
        start = time.perf_counter()
        language = context.language or DEFAULT_LANGUAGE

        def result(text: str, rejected: str | None, **details: float) -> Transcript:
            return Transcript(
                text=text,
                language=language,
                engine=self.engine,
                audio_s=round(audio.duration_s, 3),
                elapsed_s=round(time.perf_counter() - start, 3),
                rejected=rejected,
                details=details,
            )

        if not self.supports(language):
            return result("", guards.UNSUPPORTED_LANGUAGE)
        if audio.duration_s > self.settings.max_audio_s + 0.5:
            return result("", guards.TOO_LONG)
        samples = to_float32(resample(audio, SAMPLE_RATE))
        span = guards.speech_span(samples, threshold=self.settings.vad_threshold)
        if span is None:
            return result("", guards.NO_SPEECH, speech_s=0.0)
        # Cut only long outer silences: cropping close to the speech made recognition worse (measured),
        # while seconds of silence invite Whisper to invent words.
        margin = int(CROP_MARGIN_S * SAMPLE_RATE)
        speech = samples[max(0, span[0] - margin) : span[1] + margin]
        speech_s = (span[1] - span[0]) / SAMPLE_RATE

        hypothesis, extra = self._recognise(speech, speech_s, replace(context, language=language))
        text = finish_text(hypothesis.text, language)
        reason = guards.check(
            guards.Decoded(text, hypothesis.avg_logprob, hypothesis.no_speech_prob, hypothesis.prompt),
            speech_s=speech_s,
            language=language,
            no_speech_prob=self.settings.no_speech_prob,
            min_avg_logprob=self.settings.min_avg_logprob,
            max_compression_ratio=self.settings.max_compression_ratio,
        )
        return result(
            text,
            reason,
            speech_s=round(speech_s, 3),
            avg_logprob=round(hypothesis.avg_logprob, 3),
            no_speech_prob=round(hypothesis.no_speech_prob, 3),
            compression_ratio=round(guards.compression_ratio(text), 3),
            **extra,
        )

    def _recognise(
        self, speech: np.ndarray, speech_s: float, context: RecognitionContext
    ) -> tuple[Hypothesis, dict[str, float]]:
        """Decode ``speech`` (VAD found ``speech_s`` seconds of voice in it); returns the best and details."""
        model = self.load()
        tokenizer = self._tokenizer(DECODE_LANGUAGE[context.language or DEFAULT_LANGUAGE])
        if len(speech) > WINDOW_FRAMES * 160:
            return self._long(model, speech, tokenizer), {"prompted": 0.0, "digit_pass": 0.0}

        encoder_output = self._encode(model, speech)
        prompt = hints.prompt_for(context) if self.settings.use_context else None
        best = self._generate(model, encoder_output, tokenizer, speech_s, prompt=prompt)[0]
        if prompt and self._prompt_misled(best, speech_s):
            best = self._generate(model, encoder_output, tokenizer, speech_s)[0]
            prompt = None
        elif prompt and best.avg_logprob < self.settings.min_avg_logprob:
            # Unsure with the prompt (short answers: 可以 at -1.15): the unprompted reading may be surer.
            plain = self._generate(model, encoder_output, tokenizer, speech_s)[0]
            if plain.avg_logprob > best.avg_logprob:
                best, prompt = plain, None
        extra = {"prompted": float(prompt is not None), "digit_pass": 0.0}
        answer = hints.digit_answer(context) if self.settings.use_context else None
        if answer is not None and context.language in ("zh", "yue"):
            best, valid = self._digit_pass(model, encoder_output, tokenizer, speech_s, best, prompt, answer)
            extra |= {"digit_pass": 1.0, "digits_valid": float(valid)} if valid is not None else {}
        return best, extra

    def _encode(self, model: WhisperModel, speech: np.ndarray) -> ctranslate2.StorageView:
        # Same features as transcribe(): mel of the audio, zero-padded to the window.
        features = model.feature_extractor(speech)
        frames = max(int(self.settings.window_s * 100), features.shape[-1])
        frames = min(WINDOW_FRAMES, frames + frames % 2)  # the encoder halves the frame count
        return model.encode(pad_or_trim(features, frames))

    def _generate(
        self,
        model: WhisperModel,
        encoder_output: ctranslate2.StorageView,
        tokenizer: Tokenizer,
        speech_s: float,
        *,
        prompt: str | None = None,
        prefix: str = "",
        digits_only: bool = False,
        hypotheses: int = 1,
    ) -> list[Hypothesis]:
        tokens: list[int] = []
        if prompt:
            # The vocabulary goes where Whisper expects the previous sentence: it biases, it does not force.
            tokens = [tokenizer.sot_prev, *tokenizer.encode(" " + prompt)[: MAX_TOKENS // 2 - 1]]
        tokens += [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        if prefix:
            tokens += tokenizer.encode(prefix)
        # Cap the output by what the audio can hold: a loop stops early and the guards catch it.
        budget = min(MAX_TOKENS - len(tokens) - 1, int(TOKENS_PER_S * speech_s) + 16)
        result = model.model.generate(
            encoder_output,
            [tokens],
            beam_size=self.settings.beam_size,
            num_hypotheses=min(hypotheses, self.settings.beam_size),
            max_length=len(tokens) + budget,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress(tokenizer, digits_only),
        )[0]
        found = []
        for ids, score in zip(result.sequences_ids, result.scores, strict=True):
            text = tokenizer.decode([t for t in ids if t < tokenizer.eot])
            if prefix and not text.startswith(prefix):
                text = prefix + text
            # transcribe()'s recovery of the average log probability from the length-normalised score
            found.append(Hypothesis(text, score * len(ids) / (len(ids) + 1), result.no_speech_prob, prompt))
        return found

    @staticmethod
    def _prompt_misled(best: Hypothesis, speech_s: float) -> bool:
        """With a prompt Whisper sometimes stops after the first phrase, or says the prompt itself."""
        core = guards.content(to_simplified(best.text))
        cut_off = speech_s >= 3.0 and len(core) < MIN_CHARS_PER_S_PROMPTED * speech_s
        return cut_off or guards.echoes_prompt(core, best.prompt)

    def _digit_pass(
        self,
        model: WhisperModel,
        encoder_output: ctranslate2.StorageView,
        tokenizer: Tokenizer,
        speech_s: float,
        free: Hypothesis,
        prompt: str | None,
        answer: hints.DigitAnswer,
    ) -> tuple[Hypothesis, bool | None]:
        """Decode again writing only digit characters, after the words said before the number.

        Runs only when the free pass heard at least three digits (138-0088 or 一三八): someone who says
        转人工 at the phone step must not get a phone number. Candidates: the digit pass's hypotheses in
        score order, then the free pass. The first that passes the step's check wins; when none does, the
        one whose length is closest (the digit pass sometimes loses its way after a misheard first digit).
        """
        free_text = to_simplified(free.text)
        if sum(ch.isdigit() or ch in _SPOKEN_DIGITS for ch in free_text) < MIN_DIGITS_HEARD:
            return free, None
        prefix = hints.lead_in(free_text)
        found = self._generate(
            model,
            encoder_output,
            tokenizer,
            speech_s,
            prompt=prompt,
            prefix=prefix,
            digits_only=True,
            hypotheses=self.settings.beam_size,
        )
        candidates = [_digits_text(h, prefix) for h in found] + [
            replace(free, text=normalize_spoken_digits(free_text))
        ]
        numbers = [_DIGITS_AND_X.sub("", c.text[len(prefix) :].upper()) for c in candidates]
        for candidate, number in zip(candidates, numbers, strict=True):
            if answer.valid(number):
                return candidate, True
        gaps = [answer.length_gap(number) for number in numbers]
        return candidates[gaps.index(min(gaps))], False

    def _long(self, model: WhisperModel, speech: np.ndarray, tokenizer: Tokenizer) -> Hypothesis:
        """Audio over one window (only when VOICE_MAX_AUDIO_S was raised above 30 s): plain transcribe()."""
        segments, _ = model.transcribe(
            speech,
            language=tokenizer.language_code,
            beam_size=self.settings.beam_size,
            temperature=0.0,
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        parts = list(segments)
        if not parts:
            return Hypothesis("", 0.0, 1.0)
        return Hypothesis(
            "".join(s.text for s in parts),
            float(np.mean([s.avg_logprob for s in parts])),
            float(min(s.no_speech_prob for s in parts)),
        )


def finish_text(text: str, language: str) -> str:
    """Whisper's text as the conversation shows it.

    Mandarin → simplified (about 40 % of Whisper's Mandarin comes out in traditional characters); Cantonese
    keeps its characters (written Cantonese is traditional); U+FFFD (byte tokens that did not make a
    character) and the trailing comma the prompt style invites are dropped.
    """
    text = text.replace("\ufffd", "").strip().rstrip(",，、 ")
    return to_simplified(text) if language == "zh" else text


def _digits_text(hypothesis: Hypothesis, prefix: str) -> Hypothesis:
    """The digit pass's text with the number in ASCII digits; stray characters (byte-token mixes) dropped."""
    tail = "".join(ch for ch in hypothesis.text[len(prefix) :] if ch in _SPOKEN_DIGITS)
    return replace(hypothesis, text=prefix + normalize_spoken_digits(tail))
