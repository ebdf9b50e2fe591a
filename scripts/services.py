"""Start the four services with scripts/serve.sh and wait until the gateway is healthy.

Shared by the e2e tests and the benchmarks, so both measure the real stack the same way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
# E2E_PORT_OFFSET shifts all four, so two test runs on one machine don't collide.
_OFFSET = int(os.environ.get("E2E_PORT_OFFSET", "0"))
_BASE_PORTS = {"PORT": 18000, "RASA_PORT": 15005, "ACTIONS_PORT": 15055, "BACKEND_PORT": 18100}
DEFAULT_PORTS = {name: str(port + _OFFSET) for name, port in _BASE_PORTS.items()}


def wait_ready(url: str, process: subprocess.Popen, log: Path, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"services exited early:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"services not ready after {timeout_s:.0f}s:\n{log.read_text()[-4000:]}")


@contextmanager
def running_services(model: str, var_dir: Path, ports: dict[str, str] | None = None) -> Iterator[str]:
    """Yields the gateway's base URL; stops every service on exit."""
    ports = ports or DEFAULT_PORTS
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **ports, "MODEL": str(ROOT / model), "VAR_DIR": str(var_dir)}
    # Every test talks from 127.0.0.1: the per-address limits would throttle the suite, not a user. The
    # per-sender limit keeps its default (30/min), which tests/e2e/test_limits.py checks.
    env.setdefault("RATE_LIMIT_IP_PER_MIN", "100000")
    env.setdefault("RATE_LIMIT_CONNECTIONS_PER_MIN", "100000")
    log = var_dir / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(ROOT / "scripts/serve.sh")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{ports['PORT']}"
    try:
        wait_ready(url, process, log)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
