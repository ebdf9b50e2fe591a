"""Video-witness appointments: the first free slot in the backend's calendar (backend/data/appointments.yml).

Sandbox honesty: the calendar is real (slots fill up, bookings are stored and audited), but nobody is
notified; the answer says `sandbox: true` while the backend runs in sandbox mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from backend.content import LANGS, load_yaml
from backend.db import from_db, to_db
from backend.errors import ApiError
from backend.models import VideoAppointment
from backend.schemas import AppointmentIn, AppointmentOut
from backend.services.application_state import load, log
from backend.services.applications import new_id
from backend.services.context import Services

BOOKED = "booked"


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    weekdays: frozenset[int]
    opening: time
    closing: time
    slot: timedelta
    agents_per_slot: int
    lead: timedelta
    horizon: timedelta

    def slots_from(self, earliest: datetime) -> list[datetime]:
        """Every slot start (aware, in the calendar's zone) from `earliest` to the end of the horizon."""
        local = earliest.astimezone(self.zone)
        slots = []
        day = local.date()
        while day <= (local + self.horizon).date():
            if day.isoweekday() in self.weekdays:
                start = datetime.combine(day, self.opening, self.zone)
                while start + self.slot <= datetime.combine(day, self.closing, self.zone):
                    if start >= local:
                        slots.append(start)
                    start += self.slot
            day += timedelta(days=1)
        return slots


@lru_cache(maxsize=1)
def calendar() -> Calendar:
    data = load_yaml("appointments.yml")
    return Calendar(
        zone=ZoneInfo(data["timezone"]),
        weekdays=frozenset(int(d) for d in data["weekdays"]),
        opening=time.fromisoformat(data["opening"]),
        closing=time.fromisoformat(data["closing"]),
        slot=timedelta(minutes=int(data["slot_minutes"])),
        agents_per_slot=int(data["agents_per_slot"]),
        lead=timedelta(minutes=int(data["min_lead_minutes"])),
        horizon=timedelta(days=int(data["horizon_days"])),
    )


def _out(row: VideoAppointment, cal: Calendar, *, existing: bool = False) -> AppointmentOut:
    start = from_db(row.slot_start)
    assert start is not None
    return AppointmentOut(
        appointment_id=row.id,
        slot_time=start.astimezone(cal.zone),
        slot_minutes=int(cal.slot.total_seconds() // 60),
        status=row.status,
        sender_id=row.sender_id,
        application_id=row.application_id,
        channel=row.channel,
        lang=row.lang,
        sandbox=row.sandbox,
        existing=existing,
    )


def _booked_count(session: Session, start: datetime) -> int:
    query = session.query(VideoAppointment).filter(
        VideoAppointment.slot_start == to_db(start), VideoAppointment.status == BOOKED
    )
    return query.count()


def book(ctx: Services, body: AppointmentIn) -> AppointmentOut:
    """Books the first free slot at or after the preferred time; the sender's upcoming booking is reused."""
    if body.lang not in LANGS:
        message = f"lang must be one of {', '.join(LANGS)}."
        raise ApiError(422, "unsupported_lang", message, supported=list(LANGS))
    cal = calendar()
    with ctx.db.transaction() as tx:
        if body.application_id is not None:
            load(tx.session, body.application_id)  # 404 for an unknown application
        upcoming = (
            tx.session.query(VideoAppointment)
            .filter(
                VideoAppointment.sender_id == body.sender_id,
                VideoAppointment.status == BOOKED,
                VideoAppointment.slot_start >= to_db(tx.now),
            )
            .order_by(VideoAppointment.slot_start)
            .first()
        )
        if upcoming is not None:
            return _out(upcoming, cal, existing=True)
        earliest = tx.now + cal.lead
        if body.preferred_time is not None:
            if body.preferred_time.tzinfo is None:
                raise ApiError(422, "invalid_time", "preferred_time needs a UTC offset.")
            if body.preferred_time > tx.now + cal.horizon:
                raise ApiError(422, "invalid_time", "preferred_time is beyond the booking horizon.")
            earliest = max(earliest, body.preferred_time)
        free = next(
            (s for s in cal.slots_from(earliest) if _booked_count(tx.session, s) < cal.agents_per_slot), None
        )
        if free is None:
            raise ApiError(409, "no_free_slot", "No video-witness slot is free within the booking horizon.")
        row = VideoAppointment(
            id=new_id("vap"),
            sender_id=body.sender_id,
            application_id=body.application_id,
            channel=body.channel,
            lang=body.lang,
            slot_start=to_db(free),
            status=BOOKED,
            sandbox=ctx.settings.sandbox_mode,
            created_at=to_db(tx.now),
        )
        tx.session.add(row)
        tx.audit("appointment.booked", body.application_id, appointment=row.id, slot=free.isoformat())
        log.info(
            "video-witness appointment %s at %s%s",
            row.id,
            free.isoformat(),
            " (SANDBOX: nobody notified)" if row.sandbox else "",
        )
        return _out(row, cal)


def get(ctx: Services, appointment_id: str) -> AppointmentOut:
    with ctx.db.session() as session:
        row = session.get(VideoAppointment, appointment_id)
        if row is None:
            raise ApiError(404, "appointment_not_found", "No such appointment.")
        return _out(row, calendar())
