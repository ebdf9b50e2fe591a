"""Action tests: real actions, real backend (in-process over ASGI), trackers built from a JSON fixture."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import backend_api
from backend.app import create_app
from backend.config import Settings

ROOT = Path(__file__).resolve().parents[2]
BASE_TRACKER = json.loads((Path(__file__).parent / "data/tracker_base.json").read_text())
TEST_KEY = "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtb2Yta2V5ISE="
ACTIONS_TOKEN, GATEWAY_TOKEN = "actions-test-token-0123456789ab", "gateway-test-token-0123456789ab"
AS_GATEWAY = {"Authorization": f"Bearer {GATEWAY_TOKEN}"}  # the sandbox outbox is the gateway's to read


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return Domain.load(str(ROOT / "bot/domain")).as_dict()


@pytest.fixture
def backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.AsyncClient]:
    """Points the actions' backend client at a fresh backend app on its own SQLite file."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'backend.db'}",
        data_key=TEST_KEY,
        key_file=str(tmp_path / "unused.key"),
        recordings_dir=str(tmp_path / "recordings"),
        sms_resend_interval_s=0,
        service_tokens=f"actions:{ACTIONS_TOKEN},gateway:{GATEWAY_TOKEN}",
    )
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings)),
        base_url="http://backend",
        headers={"Authorization": f"Bearer {ACTIONS_TOKEN}"},  # as the action server calls the backend
    )
    monkeypatch.setattr(backend_api, "_client", client)
    monkeypatch.setattr(backend_api, "_cache", {})
    yield client


def make_tracker(
    *,
    text: str = "",
    intent: str | None = "inform",
    confidence: float = 0.99,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    new_slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
    latest_action: str = "action_listen",
    history: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A tracker as Rasa sends it to the action server: `new_slots` were extracted from this message."""
    state = copy.deepcopy(BASE_TRACKER)
    message = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or []}
    state["slots"].update(slots or {})
    state["slots"].update(new_slots or {})
    state["latest_message"] = message
    state["events"] = (history or []) + [{"event": "user", "text": text, "parse_data": message}]
    state["events"] += [{"event": "slot", "name": k, "value": v} for k, v in (new_slots or {}).items()]
    state["active_loop"] = {"name": active_loop} if active_loop else {}
    state["latest_action_name"] = latest_action
    return Tracker.from_dict(state)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("response") for m in dispatcher.messages]
