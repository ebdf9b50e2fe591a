"""'Delete my data' in the conversation store: the linked conversations' events go, the current one keeps a
non-personal marker, and Rasa's next saves append exactly the new events (nothing old comes back)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.erasure import ERASE_CONVERSATIONS_SLOT, conversations_to_erase, marker_events

PHONE = "13812345678"
CUSTOM = [{"type": "custom"}]
DOMAIN = Domain.from_dict(
    {
        "slots": {
            "language": {"type": "text", "initial_value": "zh", "mappings": CUSTOM},
            "channel": {"type": "text", "initial_value": "app", "mappings": CUSTOM},
            "application_status": {"type": "text", "mappings": CUSTOM},
            "application_id": {"type": "text", "mappings": CUSTOM},
            "name": {"type": "any", "mappings": CUSTOM},
            ERASE_CONVERSATIONS_SLOT: {"type": "list", "mappings": CUSTOM},
        }
    }
)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TrackerStore:
    monkeypatch.setenv("BACKEND_DATA_KEY", "A" * 43 + "=")
    config = EndpointConfig(
        type="bot.tracker_store.RedactingSQLTrackerStore", dialect="sqlite", db=str(tmp_path / "tracker.db")
    )
    return TrackerStore.create(config, DOMAIN)


def rows(store: TrackerStore, sender: str) -> list[dict]:
    inner = getattr(store, "_tracker_store", store)
    with sqlite3.connect(inner.engine.url.database) as db:
        found = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))
        return [json.loads(data) for (data,) in found]


def turn(store: TrackerStore, sender: str, text: str, *events: object) -> DialogueStateTracker:
    """One turn the way Rasa's processor runs it: read the tracker, add the turn's events, save."""

    async def go() -> DialogueStateTracker:
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
        if not tracker.events:  # dated before the turn's events, as Rasa's session start is
            tracker.update(ActionExecuted("action_session_start", timestamp=1.0))
            tracker.update(SessionStarted(timestamp=1.0))
            tracker.update(ActionExecuted("action_listen", timestamp=1.0))
        tracker.update(UserUttered(text, {"name": "inform", "confidence": 0.9}))
        for event in events:
            tracker.update(event)  # type: ignore[arg-type]
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
        return tracker

    return asyncio.run(go())


def opened(store: TrackerStore, sender: str) -> None:
    turn(store, sender, "你好", SlotSet("language", "yue"), SlotSet("channel", "hotline"))
    turn(
        store,
        sender,
        f"我叫周立波,手机{PHONE}",
        SlotSet("name", "周立波"),
        SlotSet("application_id", "app_1"),
    )


def test_delete_erases_every_linked_conversation_and_leaves_a_marker(store: TrackerStore) -> None:
    opened(store, "earlier-chat")
    opened(store, "current-call")
    opened(store, "someone-else")
    assert rows(store, "earlier-chat") and rows(store, "current-call")
    others = rows(store, "someone-else")

    turn(
        store,
        "current-call",
        "是,删除",
        SlotSet("application_status", "deleted"),
        BotUttered("已删除"),
        SlotSet(ERASE_CONVERSATIONS_SLOT, ["current-call", "earlier-chat"]),
    )

    assert rows(store, "earlier-chat") == []
    marker = rows(store, "current-call")
    assert [e["event"] for e in marker] == ["action", "session_started", "slot", "slot", "slot", "action"]
    text = json.dumps(marker, ensure_ascii=False)
    for personal in ("周立波", PHONE, "«digits", "app_1", "删除", "user"):
        assert personal not in text, personal
    assert rows(store, "someone-else") == others  # another person's conversation is untouched
    inner = getattr(store, "_tracker_store", store)
    on_disk = Path(inner.engine.url.database).read_bytes()  # freed pages are zeroed, not left readable
    assert b"earlier-chat" not in on_disk and "«name»".encode() not in on_disk

    tracker = asyncio.run(store.retrieve("current-call"))
    assert tracker is not None
    assert tracker.get_slot("application_status") == "deleted"
    assert tracker.get_slot("language") == "yue" and tracker.get_slot("channel") == "hotline"
    assert tracker.get_slot("name") is None and tracker.get_slot(ERASE_CONVERSATIONS_SLOT) is None
    assert tracker.get_last_event_for(UserUttered) is None


def test_saves_after_the_delete_append_only_the_new_events(store: TrackerStore) -> None:
    opened(store, "u1")
    turn(
        store,
        "u1",
        "删除",
        SlotSet(ERASE_CONVERSATIONS_SLOT, ["u1"]),
        SlotSet("application_status", "deleted"),
    )
    marker = rows(store, "u1")

    turn(store, "u1", "我的资料删了吗")
    after = rows(store, "u1")
    assert after[: len(marker)] == marker
    assert [e["event"] for e in after[len(marker) :]] == ["user", "action"]
    assert after[len(marker)]["text"] == "我的资料删了吗"

    # The slot stays set in that tracker's memory, but only a new slot event erases again.
    turn(store, "u1", "好的")
    assert len(rows(store, "u1")) == len(after) + 2


def test_only_the_slot_event_of_this_save_counts() -> None:
    events = [
        {"event": "slot", "name": "language", "value": "zh"},
        {"event": "slot", "name": ERASE_CONVERSATIONS_SLOT, "value": ["b", "a", "", 3]},
        {"event": "slot", "name": ERASE_CONVERSATIONS_SLOT, "value": None},
        {"event": "user", "text": ERASE_CONVERSATIONS_SLOT},
    ]
    assert conversations_to_erase(events) == ["a", "b"]
    assert conversations_to_erase(events[:1]) == []


def test_the_marker_keeps_only_non_personal_slots() -> None:
    slots = {"language": "bo", "channel": "app", "application_status": "deleted", "name": "x", "phone": "y"}
    marker = marker_events(slots, now=1.0)
    kept = {e["name"]: e["value"] for e in marker if e["event"] == "slot"}
    assert kept == {"language": "bo", "channel": "app", "application_status": "deleted"}
    assert marker[1] == {"event": "session_started", "timestamp": 1.0}
