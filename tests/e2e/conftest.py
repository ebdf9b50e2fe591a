"""The e2e tests' HTTP client; `base_url` (the real services, started once) is in tests/conftest.py.

Set E2E_BASE_URL to test services that are already running instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest


@pytest.fixture()
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        yield http
