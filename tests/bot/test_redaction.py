"""The conversation store keeps no ID, phone, card or SMS numbers and no names (bot/redaction.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.channel import replies_to
from bot.tracker_store import RedactingSQLTrackerStore
from privacy.events import redact_events, redact_text

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
CARD = "6222021234567890128"


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        (f"我叫王建国,身份证号{ID_NUMBER}", "我叫王建国,身份证号«digits:17»"),
        (f"手机 {PHONE}", "手机 «digits:11»"),
        ("幺三八 幺二三四 五六七八", "«digits:11»"),
        ("１３８１２３４５６７８", "«digits:11»"),
        ("卡号 6222 0212 3456 7890 128", "卡号 «digits:19»"),
        ("验证码是392701", "验证码是«digits:6»"),
        ("༡༣༨༡༢༣༤༥༦༧༨", "«digits:11»"),
        ("我1953年出生,选第2个,开一个账户", "我1953年出生,选第2个,开一个账户"),  # short numbers stay
    ],
)
def test_numbers_are_redacted_however_they_are_written(said: str, kept: str) -> None:
    assert redact_text(said) == kept


def user_event(text: str, name: str | None = None) -> dict:
    entities = [{"entity": "name", "value": name, "start": 2, "end": 2 + len(name)}] if name else []
    return {
        "event": "user",
        "timestamp": 1700000000.5,
        "text": text,
        "parse_data": {
            "intent": {"name": "inform", "confidence": 0.99},
            "entities": entities,
            "text": text,
            "original_text": text,
        },
        "input_channel": "rest",
    }


def test_names_are_redacted_in_the_whole_batch_and_structure_is_kept() -> None:
    events = [
        user_event(f"我叫陳大文,身份证{ID_NUMBER}", name="陳大文"),
        {"event": "slot", "timestamp": 1.0, "name": "phone_masked", "value": "138****5678"},
        {"event": "bot", "timestamp": 2.0, "text": "陈大文您好,请确认身份证号", "data": {}},
        {"event": "action", "timestamp": 3.0, "name": "action_listen", "policy": "RulePolicy"},
    ]
    stored = redact_events(events)
    assert stored[0]["text"] == "我叫«name»,身份证«digits:17»"
    assert stored[0]["parse_data"]["entities"][0]["value"] == "«name»"
    assert stored[0]["parse_data"]["intent"] == {"name": "inform", "confidence": 0.99}
    assert stored[0]["timestamp"] == 1700000000.5
    assert stored[1] == events[1]  # masked values are not personal data
    assert stored[2]["text"] == "«name»您好,请确认身份证号"  # the simplified form the bot used
    assert stored[3] == events[3]
    assert events[0]["text"].startswith("我叫陳大文")  # the turn's own events are not touched


def test_a_name_from_an_earlier_turn_is_redacted_in_reply_metadata() -> None:
    reply = {"event": "bot", "text": "请确认", "metadata": {"name": "陳大文", "phone_masked": "138****5678"}}
    [stored] = redact_events([reply], known_names=["陳大文"])
    assert stored["metadata"] == {"name": "«name»", "phone_masked": "138****5678"}


def test_a_name_in_two_scripts_is_redacted_whole_and_by_part() -> None:
    name = "ئايگۈل مەمەت 阿依古丽·麦麦提"
    replies = [
        {"event": "bot", "text": f"ئىسىم: {name}", "metadata": {"name": name}},
        {"event": "bot", "text": "阿依古丽·麦麦提, ئايگۈل خانىم", "data": {}},
    ]
    stored = redact_events(replies, known_names=[name])
    assert stored[0]["text"] == "ئىسىم: «name»" and stored[0]["metadata"] == {"name": "«name»"}
    assert stored[1]["text"] == "«name»·«name», «name» خانىم"


def test_a_sealed_value_that_cannot_be_opened_is_empty_not_an_error() -> None:
    from privacy.events import unseal_events

    def broken(_: str) -> str:
        raise ValueError("the key changed")

    events = [{"event": "slot", "name": "id_number", "value": "sealed:gAAAA"}]
    assert unseal_events(events, {"id_number"}, broken)[0]["value"] is None


MESSAGE_ID = "85ef123456eb4377a60021ea1b1d8b4b"


def test_the_sql_store_writes_redacted_rows_and_reads_them_back(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BACKEND_DATA_KEY", "A" * 43 + "=")
    db = tmp_path / "tracker.db"
    config = EndpointConfig(type="bot.tracker_store.RedactingSQLTrackerStore", dialect="sqlite", db=str(db))
    domain = Domain.from_dict({"slots": {"id_number": {"type": "any", "mappings": [{"type": "custom"}]}}})
    store = TrackerStore.create(config, domain)
    assert isinstance(getattr(store, "_tracker_store", store), RedactingSQLTrackerStore)

    async def conversation() -> DialogueStateTracker:
        tracker = DialogueStateTracker("user-1", [])
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(f"手机{PHONE},卡号{CARD}", {"name": "inform", "confidence": 0.9}))
        tracker.update(SlotSet("id_number", ID_NUMBER))
        tracker.update(BotUttered("好的"))
        await store.save(tracker)
        # a message id is structure: a digest whose digits must come back as they went in
        tracker.update(
            UserUttered("验证码 3 9 2 7 0 1", {"name": "inform", "confidence": 0.9}, message_id=MESSAGE_ID)
        )
        await store.save(tracker)  # only the new events are written
        return await store.retrieve("user-1")

    restored = asyncio.run(conversation())
    assert restored.get_slot("id_number") == ID_NUMBER  # sealed in the database, open again for the dialogue
    rows = [json.loads(data) for (data,) in sqlite3.connect(db).execute("SELECT data FROM events")]
    assert [row["event"] for row in rows] == ["action", "user", "slot", "bot", "user"]
    assert rows[2]["value"].startswith("sealed:")
    dump = json.dumps(rows, ensure_ascii=False)
    assert (
        PHONE not in dump
        and CARD not in dump
        and ID_NUMBER not in dump
        and "392701" not in dump.replace(" ", "")
    )
    texts = [e.text for e in restored.events if isinstance(e, UserUttered)]
    assert texts == ["手机«digits:11»,卡号«digits:19»", "验证码 «digits:6»"]
    assert replies_to(restored, MESSAGE_ID) == [], "a repeat of that message is recognised"
    assert rows[4]["message_id"] == MESSAGE_ID == rows[4]["parse_data"]["message_id"]
