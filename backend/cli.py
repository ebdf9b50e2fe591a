"""Operator commands: `python -m backend.cli <command>`.

    migrate        bring the database the environment configures (BACKEND_DATABASE_URL) to the newest
                   schema; run once per release before the replicas start (they never migrate in a cluster)
verify-audit   the audit trail's hash chain and the recordings its entries cite, in the database
               the environment configures (BACKEND_DATABASE_URL, RECORDINGS_DIR); prints OK or the
               first broken entry, exit status 1 when broken
"""

from __future__ import annotations

import sys

from sqlalchemy import inspect

from backend import idempotency
from backend.audit import verify_chain, verify_recordings
from backend.config import ConfigError, Settings
from backend.db import Database
from backend.models import AuditEvent
from backend.recordings import recording_store
from backend.retention import purge_stale
from backend.services.context import build_services

USAGE = "usage: python -m backend.cli migrate | purge | verify-audit"


def migrate() -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"cannot migrate: {error}", file=sys.stderr)
        return 2
    database = Database(settings.database_url, settings.now)
    try:
        database.migrate()
        print(f"migrated {database.url.render_as_string(hide_password=True)} to {database.schema_revision()}")
    finally:
        database.dispose()
    return 0


def verify_audit() -> int:
    try:
        settings = Settings.from_env()
        store = recording_store(settings)  # the recordings' key derives from BACKEND_DATA_KEY
    except ConfigError as error:
        print(f"cannot verify: {error}", file=sys.stderr)
        return 2
    database = Database(settings.database_url, settings.now)
    try:
        if not inspect(database.engine).has_table(AuditEvent.__tablename__):
            where = database.url.render_as_string(hide_password=True)
            print(
                f"no audit trail in {where} (wrong BACKEND_DATABASE_URL, or never migrated)", file=sys.stderr
            )
            return 2
        with database.session() as session:
            broken, recordings = verify_chain(session), 0
            if broken is None:
                broken, recordings = verify_recordings(session, store)
            count = session.query(AuditEvent).count()
    finally:
        database.dispose()
    if broken is None:
        print(f"OK ({count} entries, {recordings} recordings)")
        return 0
    print(str(broken))
    return 1


def purge() -> int:
    try:
        ctx = build_services(Settings.from_env(), migrate=False)
    except ConfigError as error:
        print(f"cannot purge: {error}", file=sys.stderr)
        return 2
    try:
        print(f"purged {purge_stale(ctx)} applications, {idempotency.purge(ctx.db)} idempotent answers")
    finally:
        ctx.db.dispose()
    return 0


COMMANDS = {"migrate": migrate, "purge": purge, "verify-audit": verify_audit}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in COMMANDS:
        print(USAGE, file=sys.stderr)
        return 2
    return COMMANDS[args[0]]()


if __name__ == "__main__":
    sys.exit(main())
