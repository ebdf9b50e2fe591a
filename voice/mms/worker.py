"""The MMS worker: a small HTTP service in `.venv-mms` (Python 3.11, torch) that the gateway calls.

    MMS_ASR_DIR=/models/mms-1b-all MMS_TTS_BO_DIR=/models/mms-tts-bod \
    MMS_TTS_UG_DIR=/models/mms-tts-uig-script_arabic .venv-mms/bin/python -m voice.mms.worker

GET /health            which languages are loaded for ASR and TTS, and why others are not
POST /transcribe       body: WAV (Content-Type audio/wav) or raw 16-bit PCM (?sample_rate=, default 16000);
                       ?language=bo|ug -> {"text", "language", "audio_s", "elapsed_s"}
POST /synthesize       {"text", "language", "rate"} -> audio/wav (mono 16-bit)
Models load once, before the port opens. Host and port: MMS_HOST (127.0.0.1), MMS_PORT (8200).
"""

from __future__ import annotations

import logging
import os
import time

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from voice.audio import WavError, decode_wav, encode_wav  # stdlib and numpy only: importable here
from voice.mms.engines import (
    ASR_RATE,
    LANGUAGE_NAMES,
    TTS_ENV,
    Engines,
    UnsayableText,
    load_engines,
    to_model_input,
)

log = logging.getLogger("voice.mms.worker")
MAX_AUDIO_S = float(os.environ.get("MMS_MAX_AUDIO_S", "60"))
MAX_TEXT_CHARS = int(os.environ.get("MMS_MAX_TEXT_CHARS", "600"))
WAV_TYPES = {"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"}


class SynthesizeIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    language: str
    rate: float = Field(default=1.0, ge=0.5, le=2.0)


class TranscribeOut(BaseModel):
    text: str
    language: str
    audio_s: float
    elapsed_s: float


def _language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, repr(language))


def create_app(engines: Engines) -> FastAPI:
    app = FastAPI(title="MMS worker", description="Tibetan and Uyghur speech with Meta's MMS models")

    @app.get("/health")
    def health() -> dict[str, object]:
        return {"status": "ok", **engines.describe()}

    @app.post("/transcribe", response_model=TranscribeOut)
    async def transcribe(
        request: Request,
        language: str = Query(..., description="bo or ug"),
        sample_rate: int = Query(ASR_RATE, ge=1000, le=192000, description="for raw PCM bodies"),
    ) -> TranscribeOut:
        if language not in engines.asr_languages:
            raise HTTPException(
                404, f"no {_language_name(language)} speech recognition is loaded (see /health)"
            )
        body = await request.body()
        channels = 1
        if request.headers.get("content-type", "").split(";")[0].strip().lower() in WAV_TYPES:
            try:
                body, sample_rate, channels = decode_wav(body)
            except WavError as exc:
                raise HTTPException(400, str(exc)) from exc
        audio_s = len(body) / 2 / channels / sample_rate
        if audio_s > MAX_AUDIO_S:
            raise HTTPException(413, f"audio is {audio_s:.1f} s long; the limit is {MAX_AUDIO_S:.0f} s")
        if audio_s < 0.1:
            raise HTTPException(400, "audio is empty or shorter than 0.1 s")
        started = time.perf_counter()
        asr = engines.asr
        assert asr is not None  # asr_languages is empty without it
        text = await run_in_threadpool(
            lambda: asr.transcribe(to_model_input(body, sample_rate, channels), language)
        )
        elapsed = time.perf_counter() - started
        return TranscribeOut(
            text=text, language=language, audio_s=round(audio_s, 3), elapsed_s=round(elapsed, 4)
        )

    @app.post("/synthesize", response_class=Response, responses={200: {"content": {"audio/wav": {}}}})
    async def synthesize(body: SynthesizeIn) -> Response:
        voice = engines.tts.get(body.language)
        if voice is None:
            raise HTTPException(404, f"no {_language_name(body.language)} MMS voice is loaded (see /health)")
        started = time.perf_counter()
        try:
            samples = await run_in_threadpool(voice.synthesize, body.text, body.rate)
        except UnsayableText as exc:
            raise HTTPException(422, str(exc)) from exc
        if samples.size == 0:
            raise HTTPException(422, "the voice produced no audio for this text")
        headers = {"X-Elapsed-S": f"{time.perf_counter() - started:.4f}", "X-Voice": voice.voice}
        return Response(
            encode_wav(samples.astype("<i2").tobytes(), voice.sample_rate),
            media_type="audio/wav",
            headers=headers,
        )

    return app


def main() -> None:
    import uvicorn

    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(), format="%(asctime)s %(name)s %(message)s"
    )
    engines = load_engines()
    log.info(
        "loaded in %.1f s: ASR %s, TTS %s", engines.load_s, sorted(engines.asr_languages), sorted(engines.tts)
    )
    for problem in engines.problems:
        log.warning("%s", problem)
    if not engines.asr_languages and not engines.tts:
        log.warning("no MMS model is loaded: set MMS_ASR_DIR and/or %s", " / ".join(TTS_ENV.values()))
    uvicorn.run(
        create_app(engines),
        host=os.environ.get("MMS_HOST", "127.0.0.1"),
        port=int(os.environ.get("MMS_PORT", "8200")),
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
    )


if __name__ == "__main__":
    main()
