"""Fixtures: an app per test on its own SQLite file (or BACKEND_TEST_DATABASE_URL), and a fixed clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_testkit import ADMIN_TOKENS, AS_ACTIONS, BACKEND_TOKENS, START, TEST_KEY, FakeClock, Flow
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.config import Settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def _fresh_server_database(url: str) -> str:
    """BACKEND_TEST_DATABASE_URL (e.g. PostgreSQL) runs the same tests there, emptied before each test."""
    from sqlalchemy import create_engine, text

    from backend.models import Base

    engine = create_engine(url)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    return url


@pytest.fixture
def settings(tmp_path: Path, clock: FakeClock) -> Settings:
    server_url = os.environ.get("BACKEND_TEST_DATABASE_URL")
    url = _fresh_server_database(server_url) if server_url else f"sqlite:///{tmp_path / 'backend.db'}"
    return Settings(
        database_url=url,
        data_key=TEST_KEY,
        key_file=str(tmp_path / "unused.key"),
        recordings_dir=str(tmp_path / "recordings"),
        sms_resend_interval_s=0,
        admin_tokens=ADMIN_TOKENS,
        service_tokens=BACKEND_TOKENS,
        clock=clock,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers=AS_ACTIONS) as test_client:
        yield test_client


@pytest.fixture
def flow(client: TestClient) -> Flow:
    return Flow(client)
