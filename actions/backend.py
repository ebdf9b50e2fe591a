"""Async HTTP client for the account-opening backend (see backend/README.md for the API)."""

from __future__ import annotations

import os
from typing import Any

import httpx

BACKEND_URL = os.environ.get("BACKEND_URL", "http://127.0.0.1:8100")
_TIMEOUT = httpx.Timeout(float(os.environ.get("BACKEND_TIMEOUT_S", "10")))


class BackendError(Exception):
    """A 4xx answer from the backend: `code` is its machine-readable `error` field."""

    def __init__(self, status: int, code: str, data: dict[str, Any]) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.data = data


class BackendUnavailable(Exception):
    """The backend could not be reached or answered 5xx; the user is asked to try again."""


_client: httpx.AsyncClient | None = None


def _http() -> httpx.AsyncClient:
    # One pooled client per process: keep-alive connections keep a turn's backend calls cheap.
    global _client
    if _client is None:
        _client = httpx.AsyncClient(base_url=BACKEND_URL, timeout=_TIMEOUT)
    return _client


async def call(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = await _http().request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise BackendUnavailable(str(exc)) from exc
    if response.status_code >= 500:
        raise BackendUnavailable(f"{response.status_code} from backend")
    data = response.json() if response.content else {}
    if response.status_code >= 400:
        raise BackendError(response.status_code, str(data.get("error", "error")), data)
    return data


_cache: dict[str, dict[str, Any]] = {}


async def cached_get(path: str) -> dict[str, Any]:
    """GET for documents that change only with a release (notice, questionnaire, agreements)."""
    if path not in _cache:
        _cache[path] = await call("GET", path)
    return _cache[path]
