"""Alembic environment. The service passes its own connection (Database.migrate); the alembic CLI
(`alembic -c backend/alembic.ini upgrade head`) uses BACKEND_DATABASE_URL like the service does."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine

from backend.config import Settings
from backend.db import resolve_url
from backend.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return str(resolve_url(Settings.from_env().database_url))


def _configure(**kwargs: object) -> None:
    # Batch mode lets later migrations alter SQLite tables (SQLite has almost no ALTER TABLE).
    context.configure(target_metadata=target_metadata, render_as_batch=True, compare_type=True, **kwargs)


def run_offline() -> None:
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    if config.config_file_name is not None:
        # CLI only; keep loggers that exist already (the service's, a test run's) working.
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = create_engine(_url())
    try:
        with engine.connect() as connection:
            _configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
