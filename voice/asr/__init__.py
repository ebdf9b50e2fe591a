"""Speech recognition: audio → checked transcript, using what the conversation knows.

whisper (faster-whisper recogniser), guards (reject garbage), hints (step context → decoding hints),
registry (which vendor serves which language: Whisper, MMS, or one registered by name). Decoding audio files
is voice/audio.py.
"""

from voice.asr.registry import recognizer_for, register_provider
from voice.asr.whisper import WhisperRecognizer

__all__ = ["WhisperRecognizer", "recognizer_for", "register_provider"]
