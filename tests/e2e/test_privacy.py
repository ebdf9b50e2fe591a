"""After a complete opening, the raw ID, phone and card numbers and the name are nowhere at rest: not in the
conversation store, not in the backend database, not in any service's log."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import Conversation, files_holding, luhn_card, resident_id, unique_phone

pytestmark = pytest.mark.e2e


def test_no_raw_personal_numbers_at_rest(client: httpx.Client, services_dir: Path | None) -> None:
    if services_dir is None:
        pytest.skip("needs the services this test run started (not E2E_BASE_URL)")
    phone, id_number, card = unique_phone(), resident_id("19780403"), luhn_card("622202")
    user = Conversation(client)
    user.say("你好,我想开个股票账户")
    user.say("同意")
    assert user.state["step"] == "phone", user.text
    user.say(f"我的手机号是{phone}")
    assert user.state["step"] == "sms_code", user.text
    user.say(f"验证码{user.sms_code(phone)}")
    user.say(f"我叫周立波,身份证号{id_number}")
    assert user.state["step"] == "id_number" and user.state["expects"] == "confirm", user.text
    for answer in ["对的", "好了", "1", "1", "1", "1", "1", "我同意", f"卡号是{card}", "确认提交"]:
        user.say(answer)
    assert user.state["status"] == "approved", user.text

    at_rest = sorted(p for p in services_dir.rglob("*") if p.is_file() and p.stat().st_size)
    names = {p.name for p in at_rest}
    assert {"tracker.db", "backend.db"} <= names and any(n.endswith(".log") for n in names), names
    secrets = {"phone": phone, "ID number": id_number, "card": card, "name": "周立波"}
    assert files_holding(services_dir, secrets) == []
    with sqlite3.connect(services_dir / "tracker.db") as db:
        stored = [json.loads(data) for (data,) in db.execute("SELECT data FROM events")]
    assert stored and "周立波" not in json.dumps(stored, ensure_ascii=False), "the name is in the tracker"
