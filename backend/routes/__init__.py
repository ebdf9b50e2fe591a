"""HTTP routes, one small module per concern; they only translate HTTP to service calls."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from backend.schemas import ErrorOut
from backend.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Documents the JSON error shape for these statuses in /docs."""
    return {status: {"model": ErrorOut} for status in statuses}
