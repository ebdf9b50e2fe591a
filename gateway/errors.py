"""Every error the gateway answers is JSON {"error", "message"} with a 4xx (503 while a service behind it is
down), never an HTML page or a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.engine import EngineUnavailable

log = logging.getLogger("gateway")


class GatewayError(Exception):
    """A request the gateway answers itself with `status` and a stable `error` code."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GatewayError)
    async def gateway_error(_: Request, exc: GatewayError) -> JSONResponse:
        return JSONResponse({"error": exc.error, "message": exc.message}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'] if p != 'body')}: {err['msg']}" for err in exc.errors()
        )
        return JSONResponse(
            {"error": "invalid_request", "message": problems or "invalid request"}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": "http_error", "message": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(EngineUnavailable)
    async def engine_down(_: Request, exc: EngineUnavailable) -> JSONResponse:
        log.warning("dialogue engine unavailable: %s", exc)
        return JSONResponse(
            {"error": "engine_unavailable", "message": "the dialogue engine is not ready, try again shortly"},
            status_code=503,
        )
