""" "Delete my data" across every store: a user consents by voice in one conversation, resumes in another,
gives phone, name and ID, then asks to delete. Afterwards the backend database, the conversation store (all
linked conversations), the recordings and the logs hold nothing of them but the anonymised audit entry, and
`python -m backend.cli verify-audit` (make verify-audit) still passes."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import Conversation, files_holding, resident_id, unique_phone
from tests.e2e.test_voice import Voice, VoiceUser, voice  # noqa: F401  (the module-scoped fixture)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
NAME = "欧阳明远"


def tracker_rows(services_dir: Path, sender: str) -> list[dict]:
    with sqlite3.connect(services_dir / "tracker.db") as db:
        found = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))
        return [json.loads(data) for (data,) in found]


def audit_details(services_dir: Path, type_: str) -> list[dict]:
    with sqlite3.connect(services_dir / "backend.db") as db:
        found = db.execute("SELECT details FROM audit_events WHERE type = ? ORDER BY id", (type_,))
        return [json.loads(details) for (details,) in found]


def verify_audit(services_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BACKEND_DATABASE_URL": f"sqlite:///{services_dir / 'backend.db'}",
        "RECORDINGS_DIR": str(services_dir / "recordings"),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "backend.cli", "verify-audit"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def test_delete_my_data_erases_every_store(
    client: httpx.Client,
    services_dir: Path | None,
    voice: Voice,  # noqa: F811
) -> None:
    if services_dir is None:
        pytest.skip("needs the services this test run started (not E2E_BASE_URL)")
    phone, id_number = unique_phone(), resident_id("19800515")
    recordings = services_dir / "recordings"

    # The app chat: consent spoken (double recording), phone proved, then paused.
    first = VoiceUser(client)
    first.say("你好,我想开个股票账户")
    assert first.state["step"] == "consent", first.text
    spoken_consent = voice.wav("好的,我同意这个说明")
    first.speak(spoken_consent)
    assert first.state["step"] == "phone", first.text
    first.say(f"我的手机号是{phone}")
    first.say(f"验证码{first.sms_code(phone)}")
    first.say("先暂停一下,我回头再弄")
    sha256 = hashlib.sha256(spoken_consent).hexdigest()
    assert (recordings / f"{sha256}.rec").is_file(), "the spoken consent is kept as evidence"
    consents = audit_details(services_dir, "consent.recorded")
    assert any(d.get("recording") == sha256 and d["channel"] == "app" for d in consents), consents

    # Another day, another conversation: resumed by the same phone, then name and ID, then "delete".
    later = Conversation(client)
    later.verify_phone(phone, opening=("继续开户", "同意"))
    assert later.state["application_id"] == first.state["application_id"], later.text
    later.say(f"我叫{NAME},身份证号{id_number}")
    assert later.state["step"] == "id_number" and later.state["expects"] == "confirm", later.text
    recordings_before = files_under(recordings)
    later.say("删除我的数据")
    assert "确定要删除" in later.text, later.text
    later.say("确定删除")
    assert "已全部删除" in later.text and later.state["status"] == "deleted", later.text

    # The conversation goes on, knowing only that the data was deleted.
    later.say("你好")
    assert later.state["status"] == "deleted", later.text

    # Conversation store: nothing of the first conversation; of the current one, the marker and one turn.
    assert tracker_rows(services_dir, first.sender_id) == []
    current = tracker_rows(services_dir, later.sender_id)
    assert [e["event"] for e in current[:2]] == ["action", "session_started"]
    user_texts = [e["text"] for e in current if e["event"] == "user"]
    assert user_texts == ["你好"], user_texts
    marker_slots = {
        e["name"]
        for e in current[: current.index(next(e for e in current if e["event"] == "user"))]
        if e["event"] == "slot"
    }
    assert marker_slots <= {"language", "channel", "application_status"}, marker_slots
    stored = json.dumps(current, ensure_ascii=False)
    assert "«name»" not in stored and "app_" not in stored and "id_masked" not in stored

    # Recordings: the spoken consent and the first conversation's index are gone, nothing else.
    removed = recordings_before - files_under(recordings)
    assert recordings / f"{sha256}.rec" in removed
    assert {p.parent.name for p in removed} == {"recordings", "owners"} and len(removed) == 2, removed

    # Backend database and every log: no phone, ID, name; the databases keep no sender id either.
    assert files_holding(services_dir, {"phone": phone, "ID number": id_number, "name": NAME}) == []
    backend_db = (services_dir / "backend.db").read_bytes()
    for sender in (first.sender_id, later.sender_id):
        assert sender.encode() not in backend_db, "a linked conversation id is still in the backend"

    # What stays: one anonymised entry, and a trail (with its recordings) that still verifies.
    deleted = [d for d in audit_details(services_dir, "application.deleted") if d["recordings"] == [sha256]]
    assert len(deleted) == 1 and deleted[0]["conversations"] == 2, deleted
    result = verify_audit(services_dir)
    assert result.returncode == 0 and result.stdout.startswith("OK ("), result.stdout + result.stderr
