"""The action server as it runs (python -m actions.server): only a caller with ACTIONS_TOKEN runs actions."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-actions-token-0123456789"


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "ACTIONS_TOKEN": TOKEN, "ACTIONS_PORT": str(port), "PYTHONPATH": str(ROOT)}
    log = tmp_path_factory.mktemp("actions") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "actions.server"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                pytest.fail(f"the action server exited: {log.read_text()[-2000:]}")
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def session_start_call(sender: str = "victim") -> dict:
    tracker = {"sender_id": sender, "slots": {}, "latest_message": {}, "events": [], "active_loop": {}}
    return {"next_action": "action_session_start", "sender_id": sender, "tracker": tracker, "domain": {}}


def test_only_rasa_with_the_token_runs_actions(action_server: str) -> None:
    assert httpx.get(f"{action_server}/health").status_code == 200  # probes need no token
    refused = httpx.post(f"{action_server}/webhook", json=session_start_call())
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
    wrong = httpx.post(
        f"{action_server}/webhook", json=session_start_call(), headers={"Authorization": "Bearer " + "x" * 29}
    )
    assert wrong.status_code == 401
    assert httpx.get(f"{action_server}/actions").status_code == 401
    allowed = httpx.post(
        f"{action_server}/webhook", json=session_start_call(), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert allowed.status_code == 200 and allowed.json()["events"][0]["event"] == "session_started"


def test_the_server_refuses_to_start_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ACTIONS_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "actions.server"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2 and "ACTIONS_TOKEN" in result.stderr
