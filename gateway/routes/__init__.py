"""The gateway's routes, one module per concern; each builds its router from the shared Gateway services."""

from __future__ import annotations

from typing import Any

from gateway.errors import GatewayError
from gateway.schemas import ErrorResponse

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (404, 413, 422, 429, 503)
}


def checked_text(raw: str, limit: int) -> str:
    text = raw.strip()
    if not text:
        raise GatewayError(422, "empty_text", "text must not be empty")
    if len(text) > limit:
        raise GatewayError(422, "text_too_long", f"text is limited to {limit} characters")
    return text
