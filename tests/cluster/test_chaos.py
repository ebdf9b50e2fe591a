"""The cluster under load and crashes (make test-cluster): 50 users open accounts for 5 minutes while
replicas are killed; then every store is checked. CHAOS_USERS and CHAOS_SECONDS shorten a local run."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from benchmarks.cluster_chaos import Report, load
from privacy.vault import Vault, decode_key
from scripts.cluster import ROOT, Cluster, running_cluster

pytestmark = pytest.mark.cluster
# Ports 20000+ (below the kernel's ephemeral range, 32768+, where an outgoing connection's own port could
# take a replica's), away from the e2e tests' 15005-18100.
PORT_OFFSET = 12000
# Every simulated user talks from 127.0.0.1: the per-address ceiling would throttle the run, not a user (the
# per-sender limit keeps its default).
LOAD_ENV = {
    "VOICE_PRELOAD": "off",
    "RATE_LIMIT_IP_PER_MIN": "100000",
    "RATE_LIMIT_CONNECTIONS_PER_MIN": "100000",
}


@pytest.fixture(scope="module")
def cluster():
    model = os.environ.get("MODEL")
    if not model:
        pytest.fail("MODEL is not set: run through `make test-cluster`")
    # Under var/ rather than /tmp/pytest-of-*: the postgres user must be able to walk into its data directory.
    directory = ROOT / "var" / "cluster-test"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    # Text turns only: the gateways skip loading Whisper and the voices, which the run does not use.
    with running_cluster(model, directory, PORT_OFFSET, env=LOAD_ENV) as running:
        yield running


@pytest.fixture(scope="module")
def report(cluster: Cluster) -> Report:
    users = int(os.environ.get("CHAOS_USERS", "50"))
    seconds = float(os.environ.get("CHAOS_SECONDS", "300"))
    result = asyncio.run(load(cluster, users, seconds))
    print(f"\ncluster chaos: {users} users for {seconds:.0f} s: {result.summary()}")
    return result


def database(cluster: Cluster, name: str):
    return create_engine(cluster.database_url(name))


def test_every_conversation_completes_and_no_turn_fails(report: Report) -> None:
    assert report.kills, "replicas were killed during the run"
    assert report.redis_restarts == 1
    assert not report.errors, "\n".join(report.errors[:10])
    statuses = Counter(opening.status for opening in report.openings)
    assert statuses == Counter({"approved": len(report.openings)}), statuses


def test_no_account_is_opened_twice_and_nothing_is_done_twice(cluster: Cluster, report: Report) -> None:
    vault = Vault(decode_key(cluster.secret("data_key"), "data key"), "backend-field")
    apps = [o.application_id for o in report.openings]
    with database(cluster, "backend").connect() as db:
        customers = db.execute(text("SELECT application_id FROM customers")).scalars().all()
        assert sorted(customers) == sorted(apps), "one customer account per opening, and only one"
        for table in ("consent_records", "risk_assessments", "agreement_signatures", "bank_bindings"):
            counts = dict(
                db.execute(
                    text(f"SELECT application_id, count(*) FROM {table} GROUP BY application_id")
                ).all()
            )
            assert all(counts.get(app) == 1 for app in apps), f"{table}: {[counts.get(a) for a in apps]}"
        for opening in report.openings:
            phone = {"phone": vault.digest("phone", opening.phone)}
            sent = db.execute(text("SELECT count(*) FROM sandbox_outbox WHERE phone_hmac = :phone"), phone)
            assert sent.scalar() == 1, f"one SMS to {opening.sender_id}'s phone"


def test_no_turn_is_applied_twice(cluster: Cluster, report: Report) -> None:
    with database(cluster, "tracker").connect() as db:
        for opening in report.openings:
            rows = db.execute(
                text("SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user'"),
                {"sender": opening.sender_id},
            ).scalars()
            ids = [json.loads(row).get("message_id") for row in rows]
            assert len(ids) == len(set(ids)) == opening.turns, opening.sender_id


def test_the_audit_chain_verifies(cluster: Cluster, report: Report) -> None:
    env = {**os.environ, **cluster.service_env("backend", cluster.ports.backend)}
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "verify-audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and result.stdout.startswith("OK"), result.stdout + result.stderr


def test_no_raw_personal_data_in_any_store(cluster: Cluster, report: Report) -> None:
    dumps = {}
    for name in ("backend", "tracker", "events"):
        dumped = subprocess.run(
            [*cluster._as_postgres(), "pg_dump", "-h", str(cluster.directory / "pgrun"),
             "-p", str(cluster.ports.postgres), "-U", "postgres", name],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        dumps[f"PostgreSQL {name}"] = dumped.stdout
    with database(cluster, "events").connect() as db:
        assert db.execute(text("SELECT count(*) FROM events")).scalar() > 0, "the broker received events"
    for path in [*(cluster.directory / "redis").rglob("*"), *cluster.log.glob("*.log")]:
        if path.is_file():
            dumps[str(path.relative_to(cluster.directory))] = path.read_bytes().decode("utf-8", "replace")
    found = [
        f"{what} of {opening.sender_id} in {store}"
        for opening in report.openings
        for what, raw in (("phone", opening.phone), ("ID", opening.id_number), ("card", opening.card),
                          ("name", opening.name))
        for store, content in dumps.items()
        if raw in content
    ]  # fmt: skip
    assert not found, "\n".join(found[:20])


def test_no_secret_in_any_log(cluster: Cluster, report: Report) -> None:
    """The services' tokens and keys never reach a log line: not in a URL (the gateway's JWT for Rasa goes in
    a header), not in a command line, not in an error."""
    secrets = {path.name: path.read_text().strip() for path in (cluster.directory / "secrets").iterdir()}
    logs = {path.name: path.read_bytes().decode("utf-8", "replace") for path in cluster.log.glob("*.log")}
    found = [f"{name} in {log}" for name, value in secrets.items() for log in logs if value in logs[log]]
    assert len(secrets) >= 8 and not found, found


def test_every_replica_is_back(cluster: Cluster, report: Report) -> None:
    status = cluster.supervisorctl("status")
    lines = [line for line in status.splitlines() if line.strip()]
    assert len(lines) == 4 * cluster.replicas + 1 and all(" RUNNING " in line for line in lines), status
    assert Path(cluster.directory / "run" / "nginx.pid").exists()


def test_a_hung_replica_is_restarted_by_the_watchdog(cluster: Cluster, report: Report) -> None:
    """A replica that stops answering without exiting (SIGSTOP): the supervisor sees it running, the watchdog
    sees its liveness endpoint silent and has it restarted."""
    hung = cluster.pid_of("actions-1")
    os.kill(hung, signal.SIGSTOP)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and cluster.pid_of("actions-1") in (hung, 0):
        time.sleep(2)
    assert cluster.pid_of("actions-1") not in (hung, 0), (cluster.log / "watchdog.log").read_text()
