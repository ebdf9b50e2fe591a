"""Retention: applications left unfinished are erased after RETENTION_DAYS (promised in data/notice.yml).

python -m backend.cli purge      # run daily, e.g. from cron or a Kubernetes CronJob
"""

from __future__ import annotations

from datetime import timedelta

from backend.db import to_db
from backend.models import Application
from backend.services.application_state import CANCELLED, DELETED, IN_PROGRESS, REFUSED, log
from backend.services.applications import erase_personal_data
from backend.services.context import Services

# Approved applications are kept by law; manual_review ones wait for the person reviewing them.
PURGEABLE = (IN_PROGRESS, REFUSED, CANCELLED)


def purge_stale(ctx: Services) -> int:
    with ctx.db.transaction() as tx:
        cutoff = to_db(tx.now - timedelta(days=ctx.settings.retention_days))
        stale = (
            tx.session.query(Application)
            .filter(Application.status.in_(PURGEABLE), Application.updated_at < cutoff)
            .with_for_update()
            .all()
        )
        for application in stale:
            erase_personal_data(tx, application)
            application.status = DELETED
            application.updated_at = to_db(tx.now)
            tx.audit("application.purged", application.id, retention_days=ctx.settings.retention_days)
    if stale:
        log.info("retention purge erased %d applications", len(stale))
    return len(stale)
