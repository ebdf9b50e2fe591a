"""Fixtures shared by the test folders that run against the real services (tests/e2e, tests/browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from scripts.services import running_services


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The gateway of the four real services, started once per test session (E2E_PORT_OFFSET shifts the
    ports); set E2E_BASE_URL to test services that are already running instead."""
    if os.environ.get("E2E_BASE_URL"):
        yield os.environ["E2E_BASE_URL"].rstrip("/")
        return
    model = os.environ.get("MODEL")
    if not model:
        pytest.fail("MODEL is not set: run these tests through `make test-e2e` or `make test-browser`")
    with running_services(model, tmp_path_factory.mktemp("services")) as url:
        yield url
