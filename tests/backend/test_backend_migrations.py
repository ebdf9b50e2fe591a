"""Alembic builds the schema on a fresh database, and it matches the ORM models exactly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from backend_testkit import AS_ACTIONS, BACKEND_TOKENS, ROOT, TEST_KEY
from sqlalchemy import inspect, text

import backend.db as db_module
from backend.config import Settings
from backend.db import Database
from backend.models import Base

TABLES = {
    "applications",
    "application_senders",
    "consent_records",
    "sms_challenges",
    "sandbox_outbox",
    "identity_attempts",
    "risk_assessments",
    "agreement_signatures",
    "bank_bindings",
    "customers",
    "handoff_tickets",
    "video_appointments",
    "idempotent_requests",
    "audit_events",
    "audit_chain",
    "alembic_version",
}


def test_fresh_database(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}", Settings().now)
    database.migrate()
    database.migrate()  # at head already: a restart changes nothing
    with database.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0008"
        assert connection.execute(text("SELECT last_id FROM audit_chain WHERE id = 1")).scalar() == 0
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
        assert differences == []
    database.dispose()


def test_alembic_cli(tmp_path: Path) -> None:
    """`alembic -c backend/alembic.ini upgrade head` works the way a developer would run it."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "BACKEND_DATABASE_URL": url}
    ini = str(ROOT / "backend" / "alembic.ini")
    for args in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"]):
        done = subprocess.run(
            [sys.executable, "-m", "alembic", "-c", ini, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    database = Database(url, Settings().now)
    with database.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
    database.dispose()


def test_relative_sqlite_path_is_under_the_repo_root(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(db_module, "REPO_ROOT", tmp_path)
    url = db_module.resolve_url("sqlite:///var/backend.db")
    assert url.database == str(tmp_path / "var" / "backend.db")
    assert (tmp_path / "var").is_dir()  # created when missing
    assert db_module.resolve_url("postgresql+psycopg2://u:p@db/accounts").database == "accounts"


def test_0002_keeps_sandbox_messages_sent_before_it(tmp_path: Path) -> None:
    """The SMS text columns arrive empty for messages already in the outbox; the codes stay readable."""
    from alembic import command

    from backend.db import alembic_config

    database = Database(f"sqlite:///{tmp_path / 'old.db'}", Settings().now)
    config = alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text(
                "INSERT INTO sandbox_outbox (phone_hmac, phone_masked, code, sent_at, expires_at) "
                "VALUES ('h', '138****5678', '123456', '2025-06-01 02:00:00', '2025-06-01 02:05:00')"
            )
        )
    database.migrate()
    with database.engine.connect() as connection:
        row = connection.execute(text("SELECT code, text, lang FROM sandbox_outbox")).one()
        assert tuple(row) == ("123456", None, None)
    database.dispose()


def test_replicas_that_do_not_migrate_wait_for_the_migration(tmp_path: Path, monkeypatch) -> None:
    """A cluster's replicas start with BACKEND_MIGRATE_ON_START=false: not ready until `migrate` has run."""
    from fastapi.testclient import TestClient

    from backend import cli
    from backend.app import create_app
    from backend.config import Settings

    url = f"sqlite:///{tmp_path / 'replica.db'}"
    settings = Settings(
        database_url=url,
        data_key=TEST_KEY,
        key_file=str(tmp_path / "k"),
        migrate_on_start=False,
        service_tokens=BACKEND_TOKENS,
    )
    with TestClient(create_app(settings), headers=AS_ACTIONS) as replica:
        assert replica.get("/livez").status_code == 200
        waiting = replica.get("/healthz")
        assert waiting.status_code == 503 and waiting.json()["database"] == "migrations pending"
        monkeypatch.setenv("BACKEND_DATABASE_URL", url)
        monkeypatch.setenv("BACKEND_DATA_KEY", TEST_KEY)
        assert cli.main(["migrate"]) == 0
        assert replica.get("/healthz").json()["database"] == "ok"
    assert Settings.from_env({"BACKEND_MIGRATE_ON_START": "false"}).migrate_on_start is False
