"""The audit trail: every step leaves an entry, the chain verifies, and tampering is detected."""

from __future__ import annotations

import json

import pytest
from backend_testkit import ADULT_ID, CARD, PHONE, Flow
from sqlalchemy import text

from backend import audit, cli
from backend.models import AuditEvent


def events(flow: Flow) -> list[AuditEvent]:
    with flow.client.app.state.services.db.session() as session:
        return session.query(AuditEvent).order_by(AuditEvent.id).all()


def run_sql(flow: Flow, sql: str, **params: object) -> None:
    with flow.client.app.state.services.db.engine.begin() as connection:
        connection.execute(text(sql), params)


def verify(flow: Flow) -> audit.Broken | None:
    with flow.client.app.state.services.db.session() as session:
        return audit.verify_chain(session)


@pytest.fixture
def finished(flow: Flow) -> str:
    app_id = flow.complete()
    flow.submit(app_id)
    return app_id


def test_every_step_is_recorded_and_masked(flow: Flow, finished: str) -> None:
    trail = events(flow)
    types = [e.type for e in trail]
    for expected in (
        "application.created",
        "consent.recorded",
        "phone.code_sent",
        "phone.verified",
        "identity.verified",
        "liveness.started",
        "liveness.checked",
        "risk.assessed",
        "agreement.signed",
        "bank.bound",
        "application.submitted",
    ):
        assert expected in types, expected
    assert [e.id for e in trail] == list(range(1, len(trail) + 1))
    everything = " ".join(e.details for e in trail)
    for raw in (ADULT_ID, PHONE, CARD):
        assert raw not in everything
    assert "138****5678" in everything and "3101**********3455" in everything
    assert verify(flow) is None


def test_changed_details_are_detected(flow: Flow, finished: str) -> None:
    target = events(flow)[4]
    tampered = json.loads(target.details) | {"phone": "139****0000"}
    run_sql(flow, "UPDATE audit_events SET details = :d WHERE id = :i", d=json.dumps(tampered), i=target.id)
    broken = verify(flow)
    assert broken is not None and broken.event_id == target.id and "hash" in broken.problem


def test_recomputed_hash_breaks_the_next_link(flow: Flow, finished: str) -> None:
    # A forger who also fixes the row's own hash is caught by the next row's prev_hash.
    target = events(flow)[2]
    new_hash = audit.entry_hash(
        target.prev_hash, target.id, target.at, "consent.withdrawn", target.application_id, {}
    )
    run_sql(
        flow,
        "UPDATE audit_events SET type = 'consent.withdrawn', details = '{}', hash = :h WHERE id = :i",
        h=new_hash,
        i=target.id,
    )
    broken = verify(flow)
    assert broken is not None and broken.event_id == target.id + 1


def test_removed_rows_are_detected(flow: Flow, finished: str) -> None:
    trail = events(flow)
    run_sql(flow, "DELETE FROM audit_events WHERE id = :i", i=trail[3].id)
    assert verify(flow).event_id == trail[4].id
    run_sql(flow, "DELETE FROM audit_events WHERE id >= :i", i=trail[3].id)
    tail_cut = verify(flow)
    assert tail_cut is not None and tail_cut.event_id is None  # only the head row still knows


def test_cli(flow: Flow, finished: str, settings, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BACKEND_DATABASE_URL", settings.database_url)
    assert cli.main(["verify-audit"]) == 0
    assert capsys.readouterr().out.startswith("OK (")
    last = events(flow)[-1]
    run_sql(flow, "UPDATE audit_events SET at = '2020-01-01T00:00:00+00:00' WHERE id = :i", i=last.id)
    assert cli.main(["verify-audit"]) == 1
    assert f"BROKEN at event {last.id}" in capsys.readouterr().out
    assert cli.main([]) == 2


def test_concurrent_steps_keep_one_chain(flow: Flow) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from backend.services import applications

    services = flow.client.app.state.services
    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(pool.map(lambda i: applications.create(services, f"user-{i}", "app").id, range(30)))
    assert len(set(created)) == 30
    trail = events(flow)
    assert len(trail) == 30 and verify(flow) is None
