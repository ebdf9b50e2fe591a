"""Logs never carry raw personal numbers; unfinished applications are erased after the retention period."""

from __future__ import annotations

import logging

from backend_testkit import ADULT_ID, CARD, PHONE, FakeClock, Flow

from backend.retention import purge_stale
from privacy.logs import RedactFilter, uvicorn_log_config


def test_no_raw_numbers_in_logs(flow: Flow, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    app_id = flow.complete()
    flow.submit(app_id)
    flow.post(
        "/handoff", {"sender_id": "s", "reason": f"客户说他的卡号是{CARD}", "channel": "app"}, expect=201
    )
    # httpx is the test's own client (the caller's log, which logs URLs such as /sandbox/sms/<phone>).
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "138****5678" in text  # masked values are logged...
    for raw in (ADULT_ID, PHONE, CARD):
        assert raw not in text  # ...raw ones never


def test_redact_filter_rewrites_records() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "GET /sandbox/sms/%s id=%s", (PHONE, ADULT_ID), None
    )
    assert RedactFilter().filter(record)
    assert record.getMessage() == "GET /sandbox/sms/138****5678 id=3101**********3455"


def test_access_log_records_keep_their_arguments() -> None:
    """uvicorn's access formatter unpacks record.args: they must stay a tuple, each one redacted."""
    import uvicorn.logging

    args = ("127.0.0.1:5000", "GET", f"/sandbox/sms/{PHONE}", "1.1", 200)
    access = '%s - "%s %s HTTP/%s" %d'
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, access, args, None)
    assert RedactFilter().filter(record)
    formatter = uvicorn.logging.AccessFormatter("%(client_addr)s %(request_line)s", use_colors=False)
    line = formatter.format(record)
    assert line == "127.0.0.1:5000 GET /sandbox/sms/138****5678 HTTP/1.1"


def test_uvicorn_config_filters_every_handler() -> None:
    config = uvicorn_log_config()
    assert all(handler.get("filters") == ["redact"] for handler in config["handlers"].values())
    assert "backend" in config["loggers"]


def test_retention_purge(flow: Flow, clock: FakeClock) -> None:
    services = flow.client.app.state.services
    stale = flow.until_identity("stale", PHONE)
    approved = flow.complete(sender="done", phone="13912345678")
    flow.submit(approved)
    clock.advance(days=29)
    recent = flow.create("recent")
    assert purge_stale(services) == 0
    clock.advance(days=2)
    assert purge_stale(services) == 1  # `stale` only: `recent` is 2 days old, `approved` is kept by law
    assert flow.client.get(f"/applications/{stale}").json()["status"] == "deleted"
    assert flow.client.get(f"/applications/{stale}").json()["phone_masked"] is None
    assert flow.client.get(f"/applications/{recent}").json()["status"] == "in_progress"
    assert flow.client.get(f"/applications/{approved}").json()["status"] == "approved"
