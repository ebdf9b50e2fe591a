"""Text-to-speech latency for typical prompts: engine load, cold synthesis (cache miss) and warm cache hits.

The chain is the one the gateway builds (`synthesizer_from_env()`), with the cache in a fresh temporary
directory so the first pass is really cold. The gateway returns whole files (base64 in JSON), so for the local
engines time to first byte equals total synthesis time; edge-tts streams, and when it is reachable its own
time to first audio chunk is measured too.

Usage: .venv/bin/python benchmarks/tts_benchmark.py [--repeat 5] [--stalled-edge] [--json out.json]
--stalled-edge puts edge-tts behind a local server that accepts and never answers (a stalled network).
Env as for the gateway (TTS_ONLINE=off to leave edge-tts out, EDGE_TTS_PROXY, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from voice.audio import read_wav  # noqa: E402
from voice.tts import NoVoice, SynthesisError, synthesizer_from_env  # noqa: E402
from voice.tts.cache import TtsCache  # noqa: E402
from voice.tts.chain import Attempt, FallbackSynthesizer  # noqa: E402
from voice.tts.edge import EdgeSynthesizer  # noqa: E402

PROMPTS = [  # (label, text, language tag, rate)
    ("zh greeting", "您好，我是开户助手。我们一共五步，大约十分钟。", "zh", 1.0),
    ("zh question", "请问您的职业是什么？", "zh", 1.0),
    ("zh consent, senior", "请您仔细听：开户需要您同意风险揭示书。您同意吗？", "zh", 0.8),
    ("zh northeastern", "您好，咱们开始开户吧。", "zh-northeastern", 1.0),
    ("yue question", "請問你嘅職業係乜嘢？", "yue", 1.0),
    ("ug question", "كەسپىڭىز نېمە؟", "ug", 1.0),
    ("bo greeting", "བཀྲ་ཤིས་བདེ་ལེགས། ཁྱེད་རང་གི་ལས་རིགས་གང་ཡིན།", "bo", 1.0),
]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def edge_first_chunk(text: str) -> float | str:
    """Time to edge-tts's first audio chunk, or why there is none."""
    edge = EdgeSynthesizer()
    start = time.perf_counter()
    try:
        import edge_tts

        stream = edge_tts.Communicate(text, edge.voice_for("zh"), proxy=edge.proxy).stream()
        async for chunk in stream:
            if chunk["type"] == "audio":
                await stream.aclose()
                return time.perf_counter() - start
        return "no audio"
    except Exception as e:  # offline: DNS failure
        return f"unreachable ({type(e).__name__})"


def _attempt(a: Attempt) -> str:
    return f"{a.engine} ({a.skipped or 'failed'}, {ms(a.elapsed_s)} ms)" if a.error or a.skipped else a.engine


async def stalled_server() -> tuple[asyncio.AbstractServer, str]:
    """Accepts connections and never answers."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def measure(tts: FallbackSynthesizer, text: str, language: str, rate: float, repeat: int) -> dict:
    try:
        first = await tts.synthesize_detailed(text, language, rate=rate)  # a cache miss: the cache is new
    except NoVoice:
        return {"engine": "none: text only"}
    except SynthesisError as e:
        return {"engine": f"failed: {e}"}
    assert not first.cached
    cold = [first.elapsed_s]
    for _ in range(repeat - 1):
        cold.append((await tts.synthesize_detailed(text, language, rate=rate, use_cache=False)).elapsed_s)
    warm = []
    for _ in range(max(repeat, 5)):
        hit = await tts.synthesize_detailed(text, language, rate=rate)
        assert hit.cached and hit.speech.audio == first.speech.audio
        warm.append(hit.elapsed_s)
    speech = first.speech
    duration = read_wav(speech.audio).duration_s if speech.format == "wav" else None
    return {
        "engine": speech.engine,
        "voice": speech.voice,
        "bytes": len(speech.audio),
        "audio_s": round(duration, 2) if duration else None,
        "first_call_ms": ms(first.elapsed_s),
        "cold_median_ms": ms(statistics.median(cold)),
        "cold_max_ms": ms(max(cold)),
        "rtf": round(statistics.median(cold) / duration, 3) if duration else None,
        "warm_median_ms": ms(statistics.median(warm)),
        "attempts": [_attempt(a) for a in first.attempts],
    }


async def run(repeat: int, stalled: bool) -> dict:
    report: dict = {"prompts": [], "edge": "stalled" if stalled else "real endpoint"}
    env = {**os.environ, "TTS_CACHE": "on"}
    server = None
    if stalled:
        server, env["EDGE_TTS_PROXY"] = await stalled_server()
    else:
        probe = await asyncio.wait_for(edge_first_chunk(PROMPTS[0][1]), timeout=10)
        report["edge_first_chunk_ms"] = ms(probe) if isinstance(probe, float) else probe
    with tempfile.TemporaryDirectory(prefix="tts-bench-") as cache_dir:
        tts = synthesizer_from_env({**env, "TTS_CACHE_DIR": cache_dir})
        assert isinstance(tts.cache, TtsCache)
        start = time.perf_counter()
        await tts.warm_up()
        report["warm_up_ms"] = ms(time.perf_counter() - start)
        for label, text, language, rate in PROMPTS:
            row = {"prompt": label, "language": language, "rate": rate, "chars": len(text)}
            row.update(await measure(tts, text, language, rate, repeat))
            report["prompts"].append(row)
    if server is not None:
        server.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="cold syntheses per prompt (cache bypassed)")
    parser.add_argument(
        "--stalled-edge", action="store_true", help="edge-tts behind a server that never answers"
    )
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    report = asyncio.run(run(max(1, args.repeat), args.stalled_edge))
    print(
        f"edge-tts: {report['edge']}; first audio chunk: {report.get('edge_first_chunk_ms', 'not measured')}"
    )
    print(f"engine load (warm_up): {report['warm_up_ms']} ms")
    header = ("prompt", "engine", "audio_s", "first_call_ms", "cold_median_ms", "rtf", "warm_median_ms")
    print(" | ".join(header))
    for row in report["prompts"]:
        print(" | ".join(str(row.get(col, "")) for col in header))
        if len(row.get("attempts", ())) > 1:
            print("    tried:", ", ".join(row["attempts"]))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
