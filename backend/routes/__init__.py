"""HTTP routes, one small module per concern; they only translate HTTP to service calls."""

from __future__ import annotations

from typing import Any

from fastapi import Query, Request

from backend.content import DEFAULT_LANG, LANGS
from backend.errors import ApiError
from backend.schemas import ErrorOut
from backend.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_lang(
    lang: str = Query(
        DEFAULT_LANG,
        description="language of the texts in the answer: zh, yue, bo or ug (a missing translation is zh)",
    ),
) -> str:
    """The `lang` query parameter of every call that answers with text for the customer."""
    if lang not in LANGS:
        raise ApiError(
            422,
            "unsupported_lang",
            f"lang must be one of {', '.join(LANGS)}, got {lang[:16]!r}.",
            supported=list(LANGS),
        )
    return lang


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Documents the JSON error shape for these statuses in /docs."""
    return {status: {"model": ErrorOut} for status in statuses}
