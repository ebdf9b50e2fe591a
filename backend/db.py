"""Engine, sessions, migrations and the unit of work that commits a step together with its audit entries."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from backend import audit
from backend.config import REPO_ROOT
from backend.errors import ApiError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def to_db(moment: datetime) -> datetime:
    """Aware → naive UTC, the one form stored in every database."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def from_db(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=timezone.utc)


def resolve_url(database_url: str) -> URL:
    """Relative SQLite paths are relative to the repository root (default: var/backend.db)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database)
        if not path.is_absolute():
            path = REPO_ROOT / path
        path.parent.mkdir(parents=True, exist_ok=True)
        url = url.set(database=str(path))
    return url


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@dataclass
class Tx:
    """One write transaction: a session, one timestamp, and the audit entries to chain at commit."""

    session: Session
    now: datetime
    pending_audit: list[audit.Entry] = field(default_factory=list)

    def audit(self, type_: str, application_id: str | None, **details: Any) -> None:
        self.pending_audit.append(audit.Entry(type_, application_id, details))


class Database:
    def __init__(self, database_url: str, clock: Callable[[], datetime]) -> None:
        self.url = resolve_url(database_url)
        self.clock = clock
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False}
            if self.url.database in (None, "", ":memory:"):
                kwargs["poolclass"] = StaticPool  # one shared in-memory database
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(bind=self.engine, future=True, expire_on_commit=False)
        # SQLite has one writer at a time and fails (rather than waits) when two transactions that already
        # read try to upgrade; serialising writers in-process avoids that. Servers use row locks instead.
        self._write_lock: Any = threading.RLock() if self.is_sqlite else nullcontext()

    def migrate(self) -> None:
        config = alembic_config()
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def schema_revision(self) -> str | None:
        """The migration the database is at (None: never migrated); raises when it cannot be reached."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Read-only work."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._write_lock:
            session = self._sessions()
            tx = Tx(session=session, now=self.clock())
            try:
                yield tx
            except ApiError as exc:
                if exc.commit:
                    self._commit(tx)
                else:
                    session.rollback()
                raise
            except BaseException:
                session.rollback()
                raise
            else:
                self._commit(tx)
            finally:
                session.close()

    def _commit(self, tx: Tx) -> None:
        if tx.pending_audit:
            audit.append(tx.session, tx.pending_audit, tx.now)
            tx.pending_audit.clear()
        tx.session.commit()

    def dispose(self) -> None:
        self.engine.dispose()


def head_revision() -> str:
    """The newest migration in backend/migrations: what a ready database is at."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Deleted and overwritten values are zeroed in the file, not left in free pages ("delete my data").
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
