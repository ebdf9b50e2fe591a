"""Hand-off to a person, at any step."""

from __future__ import annotations

from backend.db import to_db
from backend.models import HandoffTicket
from backend.schemas import HandoffOut
from backend.services.application_state import load, log
from backend.services.applications import new_id
from backend.services.context import Services
from privacy.numbers import redact

# A rough queue estimate for the caller ("about N minutes"); a real contact centre would answer this.
BASE_ETA_MINUTES = 3
MINUTES_PER_WAITING_TICKET = 2
MAX_ETA_MINUTES = 120


def create_ticket(
    ctx: Services, sender_id: str, application_id: str | None, reason: str, channel: str
) -> HandoffOut:
    with ctx.db.transaction() as tx:
        if application_id is not None:
            load(tx.session, application_id)  # 404 for an unknown application
        waiting = tx.session.query(HandoffTicket).filter(HandoffTicket.status == "open").count()
        eta = min(BASE_ETA_MINUTES + MINUTES_PER_WAITING_TICKET * waiting, MAX_ETA_MINUTES)
        ticket = HandoffTicket(
            id=new_id("hof"),
            sender_id=sender_id,
            application_id=application_id,
            reason=redact(reason)[:200],  # free text: never keep a number someone said in passing
            channel=channel,
            status="open",
            eta_minutes=eta,
            created_at=to_db(tx.now),
        )
        tx.session.add(ticket)
        tx.audit("handoff.created", application_id, ticket=ticket.id, reason=ticket.reason, channel=channel)
        log.info("handoff ticket %s (application %s)", ticket.id, application_id)
        return HandoffOut(ticket_id=ticket.id, eta_minutes=eta)
