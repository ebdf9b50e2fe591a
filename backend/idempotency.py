"""Exactly-once state changes: a request carrying an `Idempotency-Key` header is carried out once; the same
key again gets the first answer back, and nothing runs twice (no second SMS, no second consent record, no
second submission).

Why it is needed: when a dialogue replica dies in the middle of a turn, the client sends its message again
and another replica runs the turn again, calling the backend with the same requests. The action server keys
each call by the conversation, the client's message id, the route and the body, so a replayed turn meets its
own answers here. Answers of 5xx are not kept: those requests may be tried again. Keys older than a day go
with the daily retention purge.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.db import Database, to_db
from backend.models import IdempotentRequest
from privacy.vault import Vault

HEADER = b"idempotency-key"
_APPLICATION_PATH = re.compile(r"^/applications/([A-Za-z0-9_]+)")
MAX_KEY = 200
KEEP = timedelta(days=1)
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _stored(db: Database, key: str) -> IdempotentRequest | None:
    with db.session() as session:
        return session.get(IdempotentRequest, key)


def application_of(path: str, body: bytes) -> str | None:
    """The application an answer is about: named in the path, or the one a creation answered with."""
    found = _APPLICATION_PATH.match(path)
    if found:
        return found.group(1)
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    return answer.get("id") if isinstance(answer, dict) and isinstance(answer.get("id"), str) else None


def _store(db: Database, vault: Vault, key: str, method: str, path: str, status: int, body: bytes) -> None:
    try:
        with db.transaction() as tx:
            tx.session.add(
                IdempotentRequest(
                    key=key,
                    method=method,
                    path=path,
                    status=status,
                    body=vault.encrypt(body.decode()),
                    application_id=application_of(path, body),
                    created_at=to_db(tx.now),
                )
            )
    except IntegrityError:
        pass  # the same request, answered at the same moment elsewhere: its answer stands


def forget(tx: Any, application_ids: list[str]) -> None:
    """Erasing an application erases the answers kept about it."""
    query = tx.session.query(IdempotentRequest).filter(IdempotentRequest.application_id.in_(application_ids))
    query.delete(synchronize_session=False)


def purge(db: Database) -> int:
    with db.transaction() as tx:
        cutoff = to_db(tx.now - KEEP)
        return tx.session.query(IdempotentRequest).filter(IdempotentRequest.created_at < cutoff).delete()


def _json(status: int, body: Any, replayed: bool = False) -> list[Message]:
    headers = [(b"content-type", b"application/json")]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": data},
    ]


class IdempotentRequests:
    """ASGI middleware over the backend's app (services on app.state)."""

    def __init__(self, app: ASGIApp, database: Database, vault: Vault) -> None:
        self.app, self.db, self.vault = app, database, vault

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = dict(scope.get("headers") or []).get(HEADER) if scope["type"] == "http" else None
        if key is None or scope["method"] not in STATE_CHANGING:
            await self.app(scope, receive, send)
            return
        text = key.decode("latin-1")
        if not 1 <= len(text) <= MAX_KEY or not text.isprintable():
            message = f"Idempotency-Key must be 1-{MAX_KEY} printable characters."
            for part in _json(422, {"error": "invalid_idempotency_key", "message": message}):
                await send(part)
            return
        method, path = scope["method"], scope["path"]
        stored = await asyncio.to_thread(_stored, self.db, text)
        if stored is not None:
            if (stored.method, stored.path) != (method, path):
                message = "This Idempotency-Key was used for another request."
                answer = _json(422, {"error": "idempotency_key_reused", "message": message})
            else:
                answer = _json(stored.status, self.vault.decrypt(stored.body).encode(), replayed=True)
            for part in answer:
                await send(part)
            return
        status, chunks = 500, []

        async def captured(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, captured)
        if status < 500:
            body = b"".join(chunks)
            await asyncio.to_thread(_store, self.db, self.vault, text, method, path, status, body)
