"""`create_app()`: the gateway's FastAPI application, its routes one module per concern (gateway/routes/).

Run with `python -m gateway` (see Makefile). OpenAPI docs at /docs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import pages
from gateway.errors import install_error_handlers
from gateway.limits import Limits, install
from gateway.routes import calls, chat, health, sandbox, speak, voice_turn
from gateway.services import Gateway
from gateway.settings import GatewaySettings
from service.openapi import document_nulls


def create_app(settings: GatewaySettings | None = None, limits: Limits | None = None) -> FastAPI:
    gateway = Gateway.build(settings or GatewaySettings(), limits)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if gateway.voice.preload:
            gateway.voice.start()  # Whisper and the offline voices load in the background
        yield
        await gateway.close()

    app = FastAPI(
        title="Account-opening assistant gateway",
        version="0.1.0",
        description="Chat with the account-opening assistant; see ../shared/design/contract.md.",
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    # Body size, per-IP and per-sender rates (shared through Redis when it is configured).
    install(app, gateway.limits)
    install_error_handlers(app)
    for module in (health, chat, sandbox, voice_turn, speak, calls):
        app.include_router(module.router(gateway))
    app.include_router(pages.router())  # the pages / and /senior (web/)
    document_nulls(app)
    return app
