"""FastAPI application factory: `create_app(settings)`; migrations run and providers are chosen at start."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.config import Settings
from backend.errors import ApiError
from backend.idempotency import IdempotentRequests
from backend.routes import (
    admin,
    applications,
    appointments,
    handoff,
    health,
    identity,
    phone,
    recordings,
    reference,
    sandbox,
    steps,
)
from backend.services import build_services
from service.openapi import document_nulls

log = logging.getLogger("backend")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    services = build_services(settings, migrate=settings.migrate_on_start)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        services.db.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="Account-opening backend",
        version="0.1.0",
        description="Owns every piece of account-opening data; see backend/README.md."
        + (
            " SANDBOX MODE: no real SMS, ID, liveness or bank service is called."
            if settings.sandbox_mode
            else ""
        ),
    )
    app.state.services = services
    for module in (
        health,
        reference,
        applications,
        phone,
        identity,
        steps,
        handoff,
        recordings,
        appointments,
        sandbox,
        admin,
    ):
        app.include_router(module.router)
    app.include_router(sandbox.pages)
    _install_error_handlers(app)
    app.add_middleware(
        IdempotentRequests, database=services.db, vault=services.vault
    )  # a replayed turn runs nothing twice
    document_nulls(app)

    log.info(
        "backend ready (sandbox=%s, database=%s)", settings.sandbox_mode, services.db.url.get_backend_name()
    )
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content=jsonable_encoder(exc.body()), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = details[0] if details else {"loc": [], "msg": "invalid"}
        where = ".".join(str(part) for part in first["loc"] if part != "body") or "request"
        return JSONResponse(
            status_code=422,
            content={"error": "invalid_request", "message": f"{where}: {first['msg']}", "details": details},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "HTTP error"
        return JSONResponse(status_code=exc.status_code, content={"error": code, "message": message})

    @app.exception_handler(Exception)
    async def internal_error(_request: Request, exc: Exception) -> JSONResponse:
        # The exception text may hold personal data: log the type and trace, answer without details.
        log.error("unhandled %s", type(exc).__name__, exc_info=exc)
        return JSONResponse(
            status_code=500, content={"error": "internal_error", "message": "Internal error."}
        )
