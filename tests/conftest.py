"""Fixtures shared by the test folders that run against the real services (tests/e2e, tests/browser)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.services import running_services


@pytest.fixture(scope="session")
def services_dir(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """Where the started services keep their databases and logs (None for E2E_BASE_URL services)."""
    return None if os.environ.get("E2E_BASE_URL") else tmp_path_factory.mktemp("services")


@pytest.fixture(scope="session")
def base_url(services_dir: Path | None) -> Iterator[str]:
    """The gateway of the four real services, started once per test session (E2E_PORT_OFFSET shifts the
    ports); set E2E_BASE_URL to test services that are already running instead."""
    if services_dir is None:
        yield os.environ["E2E_BASE_URL"].rstrip("/")
        return
    model = os.environ.get("MODEL")
    if not model:
        pytest.fail("MODEL is not set: run these tests through `make test-e2e` or `make test-browser`")
    # The hotline checks Twilio signatures as in production; the tests sign their calls with this token.
    os.environ.setdefault("TWILIO_AUTH_TOKEN", "e2e-hotline-token")
    with running_services(model, services_dir) as url:
        yield url


@pytest.fixture()
def redis_server(tmp_path):
    """A real Redis (Debian's redis-server) on a free port, for the limits the gateway replicas share."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed: `make system-deps` installs it (Debian)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url, process
    process.terminate()
    process.wait(10)
