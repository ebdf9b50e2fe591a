"""Video-witness appointments: first free slot in the sandbox calendar, stored, audited, sandbox-marked."""

from __future__ import annotations

from datetime import datetime

from backend_testkit import FakeClock, Flow
from fastapi.testclient import TestClient

from backend.services.appointments import calendar


def book(client: TestClient, expect: int = 201, **body: object) -> dict:
    response = client.post("/appointments", json={"sender_id": "senior-1", "channel": "senior", **body})
    assert response.status_code == expect, response.text
    return response.json()


def test_books_the_earliest_slot_on_a_working_day(flow: Flow) -> None:
    app_id = flow.create("senior-1", "senior")
    # START is Sunday 2025-06-01 10:00 in Beijing: the first slot is Monday 09:00.
    booked = book(flow.client, application_id=app_id, lang="yue")
    assert booked["appointment_id"].startswith("vap_") and booked["status"] == "booked"
    assert datetime.fromisoformat(booked["slot_time"]).isoformat() == "2025-06-02T09:00:00+08:00"
    assert booked["sandbox"] is True and booked["lang"] == "yue" and booked["slot_minutes"] == 30
    stored = flow.client.get(f"/appointments/{booked['appointment_id']}").json()
    assert stored == booked
    trail = flow.client.get(f"/applications/{app_id}/audit")
    if trail.status_code == 200:  # where the trail is exposed, the booking is in it
        assert "appointment.booked" in trail.text


def test_the_same_sender_keeps_one_upcoming_appointment(client: TestClient) -> None:
    first = book(client)
    again = book(client)
    assert again["appointment_id"] == first["appointment_id"] and again["existing"] is True


def test_full_slots_move_to_the_next_one(client: TestClient) -> None:
    agents = calendar().agents_per_slot
    times = [book(client, sender_id=f"user-{i}")["slot_time"] for i in range(agents + 1)]
    assert len(set(times[:agents])) == 1 and times[agents] > times[0]


def test_preferred_time_and_lead_time(client: TestClient, clock: FakeClock) -> None:
    later = book(client, sender_id="a", preferred_time="2025-06-03T14:10:00+08:00")
    assert datetime.fromisoformat(later["slot_time"]).isoformat() == "2025-06-03T14:30:00+08:00"
    clock.advance(days=1)  # Monday 10:00: the next slot is at least 30 minutes away
    soon = book(client, sender_id="b")
    assert datetime.fromisoformat(soon["slot_time"]).isoformat() == "2025-06-02T10:30:00+08:00"


def test_bad_requests(client: TestClient) -> None:
    assert book(client, expect=422, lang="xx")["error"] == "unsupported_lang"
    assert book(client, expect=422, preferred_time="2025-06-03T14:00:00")["error"] == "invalid_time"
    assert book(client, expect=422, preferred_time="2026-06-03T14:00:00+08:00")["error"] == "invalid_time"
    assert book(client, expect=404, application_id="app_missing")["error"] == "not_found"
    assert client.get("/appointments/vap_missing").status_code == 404
