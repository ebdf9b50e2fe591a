"""Which recogniser serves which language: the one place a speech-recognition vendor is plugged in.

Vendors are registered by name with a factory (``register_provider``): "whisper" (voice/asr/whisper.py) and
"mms" (voice/mms/client.py, when MMS_URL names a worker) are built in. Which vendor serves which language
comes from languages/registry.yml (``asr``: the vendors in order of preference, the first that can hear the
language serves it): Mandarin, Cantonese and Tibetan go to Whisper, Uyghur to MMS when a worker has it.
``ASR_PROVIDERS`` overrides it per language, e.g. ``ASR_PROVIDERS=bo=mms,ug=mms``; a language it does not
name keeps the registry's choice.

A provider name may also be an import path ``package.module:ClassName``, imported on first use. Each
provider is created once and shared (its model is loaded lazily, once); a factory may return None when its
vendor is not configured here. Without a recogniser the channel falls back to text and says so.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

import languages
from voice.asr.config import ASRSettings
from voice.asr.whisper import WhisperRecognizer
from voice.speech import SpeechRecognizer

ProviderFactory = Callable[[], SpeechRecognizer | None]


def _mms() -> SpeechRecognizer | None:
    from voice.mms.client import recognizer_from_env

    return recognizer_from_env()


_factories: dict[str, ProviderFactory] = {"whisper": WhisperRecognizer, "mms": _mms}
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


def provider(name: str) -> SpeechRecognizer | None:
    with _lock:
        if name not in _instances:
            made = _factory(name)()
            if made is None:
                return None  # not configured here; asked again next time (the configuration may change)
            _instances[name] = made
        return _instances[name]


def candidates(language: str, settings: ASRSettings | None = None) -> list[str]:
    """The provider names that may serve ``language``: the ASR_PROVIDERS override, else the registry's."""
    override = (settings or ASRSettings()).providers.get(language)
    if override:
        return [override]
    entry = languages.language(language)
    return list(entry.asr) if entry else []


def recognizer_for(language: str | None, settings: ASRSettings | None = None) -> SpeechRecognizer | None:
    """The recogniser for the conversation's language (zh when unknown), or None when none can hear it."""
    language = language or languages.DEFAULT_LANGUAGE
    for name in candidates(language, settings):
        recognizer = provider(name)
        if recognizer is not None and recognizer.supports(language):
            return recognizer
    return None
