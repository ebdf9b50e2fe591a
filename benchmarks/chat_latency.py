"""Latency of /api/chat per turn: complete account openings, sequential and 10 at a time.

Ten conversations are run twice at the same time: back to back with no pause (saturation: every
turn queues behind the others on 2 cores) and with a pause between turns the way people answer
(--think-ms, 3 s on average, varied per turn and start; real users often take longer).

Usage: make bench  (starts the services on test ports), or
       BASE_URL=http://127.0.0.1:8000 python benchmarks/chat_latency.py  (services already running).
Prints p50/p95/max per mode. The target is p95 <= 100 ms per turn on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.services import running_services  # noqa: E402
from tests.e2e.helpers import Conversation, luhn_card, resident_id, unique_phone  # noqa: E402


class TimedConversation(Conversation):
    def __init__(self, client: httpx.Client, think_s: float) -> None:
        super().__init__(client)
        self.think_s = think_s
        self.latencies_ms: list[float] = []

    def say(self, text: str) -> dict:
        if self.think_s:
            # people answer at different speeds, and do not all start at the same moment
            time.sleep(
                random.uniform(0.5, 1.5) * self.think_s if self.turns else random.uniform(0, self.think_s)
            )
        start = time.perf_counter()
        result = super().say(text)
        self.latencies_ms.append((time.perf_counter() - start) * 1000)
        return result


def random_birth_date() -> str:
    """Adults born 1960-1999: repeated runs on one database must not reuse an opened customer's ID."""
    return f"19{random.randint(60, 99)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}"


def open_account(base_url: str, think_s: float = 0.0) -> TimedConversation:
    """The scripted Mandarin opening of the e2e test: 15 turns to an approved account."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        user = TimedConversation(client, think_s)
        phone = unique_phone()
        for text in ["我想开户", "同意", phone]:
            user.say(text)
        user.say(user.sms_code(phone))
        for text in [
            f"我叫张伟,身份证号{resident_id(random_birth_date())}",
            "对",
            "好了",
            "2",
            "B",
            "2",
            "3",
            "2",
            "我同意",
            luhn_card("622202"),
            "确认",
        ]:
            user.say(text)
        if user.state["status"] != "approved":
            raise RuntimeError(f"opening did not finish: {user.state} {user.text}")
        return user


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(label: str, conversations: list[TimedConversation], wall_s: float) -> None:
    values = [ms for c in conversations for ms in c.latencies_ms]
    if not values:
        return
    print(
        f"{label:<30} turns={len(values):4d}  p50={statistics.median(values):6.1f} ms  "
        f"p95={percentile(values, 0.95):6.1f} ms  max={max(values):6.1f} ms  "
        f"throughput={len(values) / wall_s:5.1f} turns/s"
    )


def run(base_url: str, sequential: int, concurrent: int, think_s: float) -> None:
    open_account(base_url)  # warm-up: the first turns after start load caches
    start = time.perf_counter()
    done = [open_account(base_url) for _ in range(sequential)]
    report(f"sequential x{sequential}", done, time.perf_counter() - start)
    for label, pause in [("no pause", 0.0), (f"{think_s:g} s pause", think_s)]:
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrent) as pool:
            done = list(pool.map(lambda _, p=pause: open_account(base_url, p), range(concurrent)))
        report(f"{concurrent} concurrent, {label}", done, time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sequential", type=int, default=10, help="conversations one after another")
    parser.add_argument("--concurrent", type=int, default=10, help="conversations at the same time")
    parser.add_argument("--think-ms", type=int, default=3000, help="average pause between a user's turns")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; each conversation opens one account (15 turns)")
    think_s = args.think_ms / 1000
    if os.environ.get("BASE_URL"):
        run(os.environ["BASE_URL"], args.sequential, args.concurrent, think_s)
        return
    with tempfile.TemporaryDirectory() as tmp, running_services(os.environ["MODEL"], Path(tmp)) as url:
        run(url, args.sequential, args.concurrent, think_s)


if __name__ == "__main__":
    main()
