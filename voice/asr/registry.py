"""Which recogniser serves which language: the one place a new speech provider is plugged in.

Providers are registered by name with a factory (``register_provider``); ``ASR_PROVIDERS`` maps languages to
provider names (default ``zh=whisper,yue=whisper,bo=whisper``). Whisper has no Uyghur, so ``ug`` has no
recogniser until another provider is registered and configured, e.g. an MMS provider:

    from voice.asr import register_provider
    register_provider("mms", MmsRecognizer)       # at import of voice/mms
    ASR_PROVIDERS=zh=whisper,yue=whisper,bo=whisper,ug=mms

A provider name may also be an import path ``package.module:ClassName``, imported on first use. Each
provider is created once and shared (its model is loaded lazily, once). Without a recogniser the channel
falls back to text and says so.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

from voice.asr.config import ASRSettings
from voice.asr.whisper import WhisperRecognizer
from voice.speech import SpeechRecognizer

ProviderFactory = Callable[[], SpeechRecognizer]

_factories: dict[str, ProviderFactory] = {"whisper": WhisperRecognizer}
_instances: dict[str, SpeechRecognizer] = {}
_lock = threading.Lock()


def register_provider(name: str, factory: ProviderFactory) -> None:
    """Make a provider available under ``name`` (replaces an earlier one of that name)."""
    with _lock:
        _factories[name] = factory
        _instances.pop(name, None)


def _factory(name: str) -> ProviderFactory:
    if name in _factories:
        return _factories[name]
    if ":" in name:
        module, _, attribute = name.partition(":")
        return getattr(importlib.import_module(module), attribute)
    raise LookupError(f"no speech recogniser registered as {name!r}")


def provider(name: str) -> SpeechRecognizer:
    with _lock:
        if name not in _instances:
            _instances[name] = _factory(name)()
        return _instances[name]


def recognizer_for(language: str | None, settings: ASRSettings | None = None) -> SpeechRecognizer | None:
    """The recogniser configured for the conversation's language (zh when unknown), or None when none is."""
    name = (settings or ASRSettings()).providers.get(language or "zh")
    if not name:
        return None
    recognizer = provider(name)
    return recognizer if recognizer.supports(language or "zh") else None
