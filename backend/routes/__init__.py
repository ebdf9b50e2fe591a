"""HTTP routes, one small module per concern; they only translate HTTP to service calls."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Query, Request, Response
from fastapi.routing import APIRoute

from backend.content import DEFAULT_LANG, LANGS
from backend.errors import ApiError
from backend.schemas import ErrorOut
from backend.services import Services
from service.auth import bearer_token


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


def guarded(check: Callable[[Request], object]) -> type[APIRoute]:
    """A route class that runs `check` before FastAPI reads the body: a caller without the right credential
    learns nothing from validation errors."""

    class Guarded(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def checked(request: Request) -> Response:
                check(request)
                return await handler(request)

            return checked

    return Guarded


def calling_service(request: Request) -> str | None:
    """Which of the product's services presents this request's token (BACKEND_TOKENS), if any."""
    return get_services(request).callers.identify(bearer_token(request.headers.get("authorization")))


def only(*services: str) -> type[APIRoute]:
    """Routes only these services may call: 401 without a service token, 403 for another service's."""

    def check(request: Request) -> None:
        caller = calling_service(request)
        if caller is None:
            message = "A service token is required (Authorization: Bearer <token>)."
            raise ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})
        if caller not in services:
            raise ApiError(403, "forbidden", f"The {caller} service may not call this route.")

    return guarded(check)


# The dialogue's action server calls the customer API; the gateway hands over recordings and reads the
# sandbox outbox. Nobody else reaches the backend's data, whatever network they are on.
ACTIONS = only("actions")
GATEWAY = only("gateway")
