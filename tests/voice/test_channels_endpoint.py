"""Endpointing with the Silero VAD faster-whisper ships, on real recorded speech (SPEECH_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from voice.audio import decode_audio
from voice.pipeline.frames import SpeechEnded, SpeechPausing, SpeechStarted
from voice.pipeline.vad import EndpointConfig, Endpointer, StreamingVad

ROOT = Path(__file__).resolve().parents[2]
SPEECH_DIR = Path(os.environ.get("SPEECH_DIR") or ROOT.parent / "shared" / "speech")
CLIP = "zh_aishell1_BAC009S0764W0121.wav"  # 4.2 s, speech from 0.54 s to 3.74 s
CHUNK = 640  # 20 ms at 16 kHz, what a phone or a browser sends


@pytest.fixture(scope="module")
def speech() -> bytes:
    path = SPEECH_DIR / CLIP
    if not path.is_file():
        pytest.skip(f"recordings not found in {SPEECH_DIR} (set SPEECH_DIR)")
    pcm = decode_audio(path.read_bytes()).pcm
    return pcm[int(0.5 * 32000) // 2 * 2 : int(3.8 * 32000) // 2 * 2]  # the spoken part only


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * 16000) * 2)


def noise(seconds: float, dbfs: float, seed: int = 0) -> bytes:
    amplitude = 10 ** (dbfs / 20) * 32768
    values = np.random.default_rng(seed).standard_normal(int(seconds * 16000)) * amplitude
    return np.clip(values, -32768, 32767).astype("<i2").tobytes()


def events(pcm: bytes, config: EndpointConfig | None = None) -> list[SpeechStarted | SpeechEnded]:
    endpointer = Endpointer(config)
    found: list[SpeechStarted | SpeechEnded] = []
    for i in range(0, len(pcm), CHUNK):
        found += endpointer.feed(pcm[i : i + CHUNK])
    return found


def utterances(found: list) -> list[SpeechEnded]:
    return [e for e in found if isinstance(e, SpeechEnded)]


def test_one_utterance_between_silences(speech: bytes) -> None:
    found = events(silence(1.0) + speech + silence(1.5))
    assert [type(e) for e in found] == [SpeechStarted, SpeechPausing, SpeechEnded]
    ended = found[2]
    assert ended.reason == "silence"
    # all the speech, a little pre-roll, at most ~0.2 s of the trailing silence
    assert len(speech) / 32000 - 0.1 <= ended.audio.duration_s <= len(speech) / 32000 + 0.6
    assert ended.audio.sample_rate == 16000


def test_the_end_is_found_within_the_silence_budget(speech: bytes) -> None:
    endpointer = Endpointer()
    pcm = silence(0.5) + speech
    for i in range(0, len(pcm), CHUNK):
        assert not utterances(endpointer.feed(pcm[i : i + CHUNK]))
    fed_silence = 0.0
    while not utterances(endpointer.feed(silence(0.02))):
        fed_silence += 0.02
        assert fed_silence < 0.8  # 700 ms configured
    assert fed_silence >= 0.4  # the clip's own fading tail counts as part of the silence


@pytest.mark.parametrize("dbfs", [-60.0, -40.0, -25.0])
def test_silence_and_noise_never_start_a_turn(dbfs: float) -> None:
    assert events(silence(1.0) + noise(3.0, dbfs)) == []


def test_a_tone_is_not_speech() -> None:
    t = np.arange(32000) / 16000
    tone = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2").tobytes()  # a dial tone
    assert events(tone) == []


def test_a_long_pause_splits_turns_but_not_for_seniors(speech: bytes) -> None:
    pcm = silence(0.5) + speech + silence(0.9) + speech + silence(2.0)
    assert len(utterances(events(pcm))) == 2
    assert len(utterances(events(pcm, EndpointConfig.for_user(senior=True)))) == 1


def test_endless_speech_is_cut_at_the_maximum(speech: bytes) -> None:
    found = utterances(events(speech * 3, EndpointConfig(max_speech_s=5.0)))
    assert found[0].reason == "max_length"
    assert 4.9 <= found[0].audio.duration_s <= 5.1


def test_push_to_talk_release_ends_the_utterance(speech: bytes) -> None:
    endpointer = Endpointer()
    endpointer.feed(silence(0.3) + speech[: len(speech) // 2])
    assert endpointer.in_speech and endpointer.speech_audio.duration_s > 1.0
    ended = endpointer.force_end()
    assert ended is not None and ended.reason == "client" and not endpointer.in_speech
    assert endpointer.force_end() is None


def test_streaming_vad_matches_the_whole_clip_model(speech: bytes) -> None:
    from faster_whisper.vad import get_vad_model

    x = np.frombuffer(speech, dtype="<i2").astype(np.float32) / 32768
    whole = get_vad_model()(x[: len(x) // 512 * 512]).ravel()
    vad = StreamingVad()
    streamed = [p for i in range(0, len(speech), CHUNK) for p, _ in vad.windows(speech[i : i + CHUNK])]
    assert len(streamed) == len(whole)
    # faster-whisper's batch call zeroes the last window's final 64 samples in place: compare the others
    assert np.max(np.abs(np.array(streamed[:-1]) - whole[:-1])) < 1e-4


def test_pausing_announces_exactly_the_audio_the_end_will_carry(speech: bytes) -> None:
    found = events(silence(1.0) + speech + silence(1.5))
    assert [type(e) for e in found] == [SpeechStarted, SpeechPausing, SpeechEnded]
    assert found[1].audio.pcm == found[2].audio.pcm  # so recognition may start before the end


def test_a_mid_sentence_pause_announces_audio_the_end_does_not_carry(speech: bytes) -> None:
    found = events(silence(1.0) + speech + silence(0.35) + speech + silence(1.5))
    pauses = [e for e in found if isinstance(e, SpeechPausing)]
    [ended] = utterances(found)
    assert len(pauses) >= 2 and pauses[-1].audio.pcm == ended.audio.pcm
    assert pauses[0].audio.pcm != ended.audio.pcm and ended.audio.pcm.startswith(pauses[0].audio.pcm)


def test_early_recognition_can_be_switched_off(speech: bytes) -> None:
    found = events(silence(1.0) + speech + silence(1.5), EndpointConfig(early_ms=0))
    assert [type(e) for e in found] == [SpeechStarted, SpeechEnded]
