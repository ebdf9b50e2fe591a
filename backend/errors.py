"""Domain errors: each becomes a 4xx JSON answer {"error": code, "message": ..., **extra}."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        /,
        *,
        commit: bool = False,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        # Some refusals change state (tries used up, status refused): those are committed, not rolled back.
        self.commit = commit
        self.headers = headers  # e.g. WWW-Authenticate on a 401
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


def not_found(what: str = "application") -> ApiError:
    return ApiError(404, "not_found", f"No such {what}.")


def not_in_progress(status: str) -> ApiError:
    return ApiError(409, "not_in_progress", f"The application is {status}, not in progress.", status=status)
