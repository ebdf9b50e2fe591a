"""Chaos and load against the local cluster (make test-cluster): simulated users open accounts continuously
while one replica of a randomly chosen service is killed with SIGKILL every KILL_EVERY_S seconds and Redis
is restarted once. Users answer whatever step the conversation shows, pause between turns as people do,
and retry a failed turn with the same message_id and backoff, as the pages do.

    python -m benchmarks.cluster_chaos MODEL [--users 50] [--seconds 300]

Prints turns/s, latency percentiles (as a user sees them, retries included), retries, kills and restarts.
tests/cluster/test_chaos.py runs it and checks what the stores hold afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from privacy.numbers import id_check_char, luhn_check_digit
from scripts.cluster import SERVICES, Cluster, running_cluster

KILL_EVERY_S = 30
TURN_DEADLINE_S = 180  # a turn is retried this long (a Rasa replica takes about a minute to come back)
TURNS_PER_OPENING = 40  # a conversation that needs more than this is stuck
SURNAMES, GIVEN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def resident_id(rng: random.Random) -> str:
    born = f"{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"110101{born}{rng.randint(0, 999):03d}"
    return body + id_check_char(body)


def bank_card(rng: random.Random) -> str:
    body = "622202" + "".join(rng.choice("0123456789") for _ in range(12))
    return body + luhn_check_digit(body)


@dataclass
class Opening:
    """One account opening by one simulated person: what they gave, and how it ended."""

    sender_id: str
    name: str
    phone: str
    id_number: str
    card: str
    application_id: str | None = None
    status: str | None = None
    turns: int = 0


@dataclass
class Report:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    retries: int = 0
    errors: list[str] = field(default_factory=list)  # turns that failed for good
    openings: list[Opening] = field(default_factory=list)
    kills: list[str] = field(default_factory=list)
    redis_restarts: int = 0
    cpu_ms_per_turn: dict[str, float] = field(default_factory=dict)  # per service, before the first kill

    @property
    def turns(self) -> int:
        return len(self.latencies)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        done = sum(o.status == "approved" for o in self.openings)
        ms = {q: self.percentile(q) * 1000 for q in (0.5, 0.95, 0.99)}
        mean = statistics.fmean(self.latencies or [0]) * 1000
        return (
            f"{self.turns} turns in {self.seconds:.0f} s = {self.turns / max(self.seconds, 1):.1f} turns/s; "
            f"latency p50 {ms[0.5]:.0f} ms, p95 {ms[0.95]:.0f} ms, p99 {ms[0.99]:.0f} ms, "
            f"mean {mean:.0f} ms; "
            f"{self.retries} retries, {len(self.errors)} failed turns; "
            f"{len(self.openings)} openings, {done} approved; {len(self.kills)} replicas killed (SIGKILL) "
            f"and restarted by the supervisor: {', '.join(self.kills)}; "
            f"Redis restarted {self.redis_restarts}x; CPU per turn before the first kill: "
            + ", ".join(f"{name} {ms:.0f} ms" for name, ms in self.cpu_ms_per_turn.items())
        )


class User:
    def __init__(self, http: httpx.AsyncClient, report: Report, rng: random.Random) -> None:
        self.http, self.report, self.rng = http, report, rng

    async def _with_retries(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The pages' behaviour: a turn that got no answer is sent again, same message_id, with backoff."""
        started, delay = time.monotonic(), 0.5
        while True:
            try:
                response = await self.http.request(method, url, **kwargs)
                if response.status_code < 500 and response.status_code != 429:
                    return response
                problem = f"{response.status_code} {response.text[:120]}"
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__} {exc}"
            if time.monotonic() - started > TURN_DEADLINE_S:
                raise RuntimeError(f"{method} {url}: no answer in {TURN_DEADLINE_S} s ({problem})")
            self.report.retries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)

    async def say(self, opening: Opening, text: str) -> dict[str, Any]:
        body = {"sender_id": opening.sender_id, "text": text, "message_id": uuid.uuid4().hex}
        started = time.monotonic()
        response = await self._with_retries("POST", "/api/chat", json=body)
        self.report.latencies.append(time.monotonic() - started)
        opening.turns += 1
        if response.status_code != 200:
            raise RuntimeError(f"turn {text!r}: {response.status_code} {response.text[:200]}")
        return response.json()

    def answer(self, opening: Opening, state: dict[str, Any], code: str | None) -> str:
        step, expects = state.get("step"), state.get("expects")
        if step == "consent":
            return "同意"
        if step == "phone":
            return opening.phone
        if step == "sms_code":
            return code or "重新发送验证码"
        if step == "name":
            return f"我叫{opening.name},身份证号{opening.id_number}"
        if step == "id_number":
            return "对" if expects == "confirm" else opening.id_number
        if step == "liveness":
            return "好了"
        if str(step).startswith("risk_q"):
            return "2"
        if step == "agreement":
            return "我同意"
        if step == "bank_card":
            return opening.card
        if step == "review":
            return "确认提交"
        return "我想开户"

    async def open_account(self) -> Opening:
        rng = self.rng
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))
        phone = "13" + str(rng.randint(5, 9)) + "".join(rng.choice("0123456789") for _ in range(8))
        opening = Opening(f"chaos-{uuid.uuid4().hex[:12]}", name, phone, resident_id(rng), bank_card(rng))
        self.report.openings.append(opening)
        state = (await self.say(opening, "我想开户"))["state"]
        while state.get("status") not in ("approved", "manual_review", "refused", "cancelled"):
            if opening.turns >= TURNS_PER_OPENING:
                raise RuntimeError(f"{opening.sender_id} stuck at {state}")
            await asyncio.sleep(rng.uniform(2.0, 4.0))  # a person reading, typing
            code = None
            if state.get("step") == "sms_code":
                # the number in the body: the proxies' logs keep no personal data
                outbox = await self._with_retries("POST", "/api/sandbox/sms", json={"phone": phone})
                code = outbox.json().get("code") if outbox.status_code == 200 else None
            state = (await self.say(opening, self.answer(opening, state, code)))["state"]
        opening.application_id, opening.status = state.get("application_id"), state.get("status")
        return opening

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            try:
                await self.open_account()
            except Exception as exc:  # noqa: BLE001 - every failure is a finding of the run
                self.report.errors.append(str(exc)[:300])


async def replica_ready(cluster: Cluster, service: str, index: int) -> bool:
    port = cluster.ports.replica(service, index)
    path = {"rasa": "/", "backend": "/healthz", "actions": "/health", "gateway": "/livez"}[service]
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(f"http://127.0.0.1:{port}{path}")).status_code == 200
    except httpx.HTTPError:
        return False


# Process names (as /proc/<pid>/stat gives them) of the shared engines, and what the report calls them.
INFRASTRUCTURE = {"postgres": "postgresql", "redis-server": "redis", "nginx": "nginx"}


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def infrastructure_cpu() -> dict[int, tuple[str, float]]:
    """CPU so far of every PostgreSQL, Redis and nginx process (by pid: its name and seconds)."""
    found: dict[int, tuple[str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name = stat.read_text().split("(", 1)[1].split(")", 1)[0]
            if name in INFRASTRUCTURE:
                found[int(stat.parent.name)] = (INFRASTRUCTURE[name], cpu_seconds(int(stat.parent.name)))
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
    return found


async def measure_cpu(cluster: Cluster, report: Report, seconds: float) -> None:
    """CPU per turn of each service, and of PostgreSQL, Redis and nginx, over a quiet window (no replica
    killed yet): what sizing builds on. A database process that ends within the window loses its share."""
    pids = {f"{s}-{i}": cluster.pid_of(f"{s}-{i}") for s in SERVICES for i in range(1, cluster.replicas + 1)}
    before, turns = {name: cpu_seconds(pid) for name, pid in pids.items()}, report.turns
    infrastructure_before = infrastructure_cpu()
    await asyncio.sleep(seconds)
    done = max(report.turns - turns, 1)
    for service in SERVICES:
        used = sum(cpu_seconds(pids[n]) - before[n] for n in pids if n.startswith(f"{service}-"))
        report.cpu_ms_per_turn[service] = used * 1000 / done
    for pid, (name, now) in infrastructure_cpu().items():
        used = now - infrastructure_before.get(pid, (name, 0.0))[1]
        report.cpu_ms_per_turn[name] = report.cpu_ms_per_turn.get(name, 0.0) + used * 1000 / done
    report.cpu_ms_per_turn["all"] = sum(report.cpu_ms_per_turn.values())


async def chaos(cluster: Cluster, report: Report, until: float, rng: random.Random) -> None:
    """Every KILL_EVERY_S: SIGKILL one replica of the next service in a random order (another one when that
    service's other replicas are not up yet, so the product stays available, as one machine failing at a
    time would leave it); Redis restarted once."""
    redis_at = time.monotonic() + KILL_EVERY_S * 2.5
    order: list[str] = []  # services in a random order, each once a round, so every one is hit
    while True:
        await asyncio.sleep(KILL_EVERY_S)
        if time.monotonic() >= until:
            return
        order = order or rng.sample(SERVICES, len(SERVICES))
        for service in [order.pop(0), *rng.sample(SERVICES, len(SERVICES))]:
            index = rng.randint(1, cluster.replicas)
            others = [i for i in range(1, cluster.replicas + 1) if i != index]
            if all([await replica_ready(cluster, service, i) for i in others]):
                cluster.kill(f"{service}-{index}")
                report.kills.append(f"{service}-{index}")
                break
        if report.redis_restarts == 0 and time.monotonic() >= redis_at:
            await asyncio.to_thread(cluster.restart_redis)
            report.redis_restarts += 1


async def load(cluster: Cluster, users: int, seconds: float, seed: int = 7) -> Report:
    report = Report()
    rng = random.Random(seed)
    started = time.monotonic()
    until = started + seconds
    limits = httpx.Limits(max_connections=users * 2)
    base = f"http://127.0.0.1:{cluster.ports.gateway}"
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        people = [User(http, report, random.Random(rng.random())) for _ in range(users)]
        await_cpu = asyncio.create_task(measure_cpu(cluster, report, KILL_EVERY_S - 2))
        monkey = asyncio.create_task(chaos(cluster, report, until, rng))
        await asyncio.gather(*(person.run(until) for person in people))
        monkey.cancel()
        await await_cpu
    report.seconds = time.monotonic() - started
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--dir", type=Path, default=Path("var/cluster-chaos"))
    parser.add_argument("--port-offset", type=int, default=12000)
    args = parser.parse_args(argv)
    with running_cluster(
        args.model, args.dir.resolve(), args.port_offset, env={"VOICE_PRELOAD": "off"}
    ) as cluster:
        report = asyncio.run(load(cluster, args.users, args.seconds))
    print(report.summary())
    return 0 if not report.errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
