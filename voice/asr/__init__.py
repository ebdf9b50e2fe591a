"""Speech recognition: uploaded audio → checked transcript, using what the conversation knows.

audio_io (decode uploads), whisper (faster-whisper recogniser), guards (reject garbage), hints (step context →
decoding hints), registry (which provider serves which language).
"""

from voice.asr.audio_io import AudioError, decode_audio
from voice.asr.registry import recognizer_for, register_provider
from voice.asr.whisper import WhisperRecognizer

__all__ = ["AudioError", "WhisperRecognizer", "decode_audio", "recognizer_for", "register_provider"]
