"""The gateway: the public HTTP API in front of the Rasa server and the backend.

Run with `python -m voice` (see Makefile). OpenAPI docs at /docs.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.openapi import document_nulls
from voice import web
from voice.channels import http as voice_http
from voice.channels.hotline import HotlineCall
from voice.channels.stream import VoiceStream
from voice.channels.twilio_auth import HotlineGuard
from voice.channels.wiring import VoiceServices
from voice.config import GatewaySettings
from voice.engine import Engine, EngineUnavailable
from voice.limits import Limits, install
from voice.schemas import (
    ChatRequest,
    ChatResponse,
    ErrorResponse,
    Message,
    ParseRequest,
    ParseResponse,
    SandboxPhoneRequest,
    SandboxRewindRequest,
    State,
)
from voice.state import is_known_conversation, state_from_slots

log = logging.getLogger("gateway")
PHONE = re.compile(r"^1[3-9]\d{9}$")
LANGUAGE_ENTITY = "language"  # set by dialects.components.language_identifier
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (404, 413, 422, 429, 503)
}


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        self.status, self.error, self.message = status, error, message


def create_app(settings: GatewaySettings | None = None, limits: Limits | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    engine = Engine(settings)
    credential = {"Authorization": f"Bearer {settings.backend_token}"} if settings.backend_token else {}
    backend = httpx.AsyncClient(base_url=settings.backend_url, timeout=10, headers=credential)
    redis = shared_store(settings.redis_url)
    voice = VoiceServices(engine)
    hotline_guard = HotlineGuard()
    if not hotline_guard.auth_token:
        log.warning("hotline: %s", hotline_guard.status)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        if voice.preload:
            voice.start()  # Whisper and the offline voices load in the background
        yield
        await voice.close()
        await engine.close()
        await backend.aclose()
        if redis is not None:
            await redis.close()

    app = FastAPI(
        title="Account-opening assistant gateway",
        version="0.1.0",
        description="Chat with the account-opening assistant; see ../shared/design/contract.md.",
        lifespan=lifespan,
    )

    # voice/limits.py: body size, per-IP and per-sender rates (shared through Redis when it is configured)
    limits = install(app, limits or Limits.from_env(redis=redis))
    document_nulls(app)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
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

    @app.get("/livez")
    async def livez() -> dict[str, str]:
        """Liveness: the process answers (readiness, /healthz, also needs the services behind it)."""
        return {"status": "alive"}

    @app.get("/healthz", responses={503: {"model": ErrorResponse}})
    async def healthz() -> JSONResponse:
        checks = {
            "engine": await engine.ready(),
            "actions": await _ok(backend, f"{settings.actions_url}/health"),
            "backend": await _ok(backend, f"{settings.backend_url}/healthz"),
        }
        ok = all(checks.values())
        # Voice loading is reported, not required: text chat works without it. So is Redis: without it the
        # rate limits hold per process, and taking every replica out of service would be the bigger harm.
        body = {"status": "ok" if ok else "starting", **checks, "voice": voice.status}
        if redis is not None:
            body["redis"] = "ok" if await _pong(redis) else "unreachable (rate limits per process)"
        body["hotline"] = hotline_guard.status
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.post("/api/chat", response_model=ChatResponse, responses=ERRORS)
    async def chat(body: ChatRequest) -> ChatResponse:
        await limits.check_sender(body.sender_id)  # first: a flood of invalid messages counts too
        text = _checked_text(body.text, settings.max_text_chars)
        metadata = {"channel": body.channel or "app"}
        # Every message gets an id before it leaves (the client's, or a new one), so a retry anywhere behind
        # this point can only ever answer it again, never run it twice (bot/channel.py).
        turn = await engine.turn(body.sender_id, text, metadata, body.message_id or uuid.uuid4().hex)
        return _chat_response(body.sender_id, turn.messages, turn.tracker)

    @app.get("/api/chat/{sender_id}/state", response_model=ChatResponse, responses=ERRORS)
    async def conversation_state(sender_id: str) -> ChatResponse:
        if not re.match(r"^[A-Za-z0-9_.:@-]{1,64}$", sender_id):
            raise ApiError(422, "invalid_sender_id", "sender_id has 1-64 letters, digits or _.:@-")
        tracker = await engine.tracker(sender_id)
        if not is_known_conversation(tracker):
            raise ApiError(404, "unknown_sender", "no conversation with this sender_id")
        return _chat_response(sender_id, [], tracker)

    @app.post("/api/nlu/parse", response_model=ParseResponse, responses=ERRORS)
    async def parse(body: ParseRequest) -> ParseResponse:
        text = _checked_text(body.text, settings.max_text_chars)
        result = await engine.parse(text)
        intent = result.get("intent") or {}
        entities = result.get("entities") or []
        # The identifier's `language` entity is how the engine switches the conversation's language slot;
        # here it is reported as a flag rather than as a contract entity.
        switches = any(e.get("entity") == LANGUAGE_ENTITY for e in entities)
        return ParseResponse(
            intent={"name": intent.get("name"), "confidence": float(intent.get("confidence") or 0.0)},
            entities=[e for e in entities if e.get("entity") != LANGUAGE_ENTITY],
            language=result.get("language") or "zh",
            language_decisive=switches,
            dialect=result.get("dialect"),
            normalized_text=result.get("normalized_text") or result.get("text") or text,
        )

    async def sandbox(path: str, body: dict[str, Any]) -> JSONResponse:
        """The backend's sandbox outbox; the number travels in the body (a URL is logged on the way)."""
        if not PHONE.match(str(body.get("phone", ""))):
            raise ApiError(422, "invalid_phone", "phone must be an 11-digit mainland mobile number")
        try:
            response = await backend.post(path, json=body)
        except httpx.HTTPError as exc:
            raise ApiError(503, "backend_unavailable", "the account backend is not reachable") from exc
        return JSONResponse(response.json(), status_code=response.status_code)

    @app.get("/api/sandbox/sms/{phone}", responses=ERRORS)
    async def sandbox_sms(phone: str) -> JSONResponse:
        """The last code the sandbox SMS gateway 'sent' to this number (sandbox mode only)."""
        return await sandbox("/sandbox/sms", {"phone": phone})

    @app.post("/api/sandbox/sms", responses=ERRORS)
    async def sandbox_sms_by_body(body: SandboxPhoneRequest) -> JSONResponse:
        """The same, with the number in the body: nothing on the way logs it."""
        return await sandbox("/sandbox/sms", body.dict())

    @app.post("/api/sandbox/sms/rewind", responses=ERRORS)
    async def sandbox_sms_rewind(body: SandboxRewindRequest) -> JSONResponse:
        """The sandbox's test clock for one number: its codes count as sent `seconds` earlier."""
        return await sandbox("/sandbox/sms/rewind", body.dict())

    app.include_router(voice_http.router(voice.turn, _chat_response, limits.check_sender))
    app.include_router(web.router())  # the pages / and /senior (web/)

    @app.websocket("/ws/hotline")
    async def hotline(websocket: WebSocket) -> None:
        """A phone call: the Twilio Media Streams protocol (see voice/channels/hotline.py)."""
        refusal = hotline_guard.refusal(str(websocket.url), websocket.headers)
        if refusal is not None:
            log.warning("hotline handshake refused: %s", refusal)
            await websocket.close(code=1008)  # before accept: the caller's handshake gets HTTP 403
            return
        await HotlineCall(websocket, voice.turn).run()

    @app.websocket("/ws/voice")
    async def voice_stream(websocket: WebSocket) -> None:
        """The app's live voice channel (protocol in voice/channels/stream.py)."""
        await VoiceStream(websocket, voice.turn, _chat_response).run()

    return app


def _checked_text(raw: str, limit: int) -> str:
    text = raw.strip()
    if not text:
        raise ApiError(422, "empty_text", "text must not be empty")
    if len(text) > limit:
        raise ApiError(422, "text_too_long", f"text is limited to {limit} characters")
    return text


def _chat_response(sender_id: str, replies: list[dict[str, Any]], tracker: dict[str, Any]) -> ChatResponse:
    slots = tracker.get("slots") or {}
    messages = [
        Message(text=r.get("text"), buttons=r.get("buttons") or [], custom=r.get("custom"))
        for r in replies
        if r.get("text") or r.get("custom")
    ]
    state: State = state_from_slots(slots)
    return ChatResponse(
        sender_id=sender_id,
        language=slots.get("language") or "zh",
        senior_mode=bool(slots.get("senior_mode")),
        messages=messages,
        state=state,
    )


def shared_store(url: str) -> Any:
    """The Redis client the gateway replicas share state through (rate limits), or None without REDIS_URL."""
    if not url:
        return None
    from redis import asyncio as aioredis

    return aioredis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


async def _pong(redis: Any) -> bool:
    try:
        return bool(await redis.ping())
    except Exception:  # any failure to answer means: not ready
        return False


async def _ok(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(url, timeout=3)).status_code == 200
    except httpx.HTTPError:
        return False
