"""Starts the real services (backend, action server, Rasa, gateway) once for the e2e tests.

Set E2E_BASE_URL to test services that are already running instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scripts.services import running_services


@pytest.fixture(scope="session")
def services_dir(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """Where the started services keep their databases and logs (None for E2E_BASE_URL services)."""
    return None if os.environ.get("E2E_BASE_URL") else tmp_path_factory.mktemp("services")


@pytest.fixture(scope="session")
def base_url(services_dir: Path | None) -> Iterator[str]:
    if services_dir is None:
        yield os.environ["E2E_BASE_URL"].rstrip("/")
        return
    model = os.environ.get("MODEL")
    if not model:
        pytest.fail("MODEL is not set: run the e2e tests through `make test-e2e`")
    # The hotline checks Twilio signatures as in production; the tests sign their calls with this token.
    os.environ.setdefault("TWILIO_AUTH_TOKEN", "e2e-hotline-token")
    with running_services(model, services_dir) as url:
        yield url


@pytest.fixture()
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        yield http
