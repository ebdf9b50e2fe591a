"""The backend's HTTP API for the actions (backend/README.md): one async function per route, typed answers.

A 4xx answer raises BackendError (the backend's `error` code and its data), an outage or a 5xx raises
BackendUnavailable. Forms turn both into a reply (actions/validation.py); other actions use `or_none`.
The `lang` a function takes is the language of the customer texts in its answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any, TypeVar

import httpx

from actions.backend_types import (
    Agreements,
    AnswerRecord,
    Application,
    Appointment,
    CancelReason,
    CardBound,
    CodeSent,
    DeletedApplication,
    Flow,
    HandoffTicket,
    IdCheck,
    LivenessResult,
    LivenessSession,
    Notice,
    Questionnaire,
    RiskResult,
    Signature,
    Submission,
    Verification,
    parse,
)

log = logging.getLogger(__name__)

BACKEND_URL = os.environ.get("BACKEND_URL", "http://127.0.0.1:8100")
_TIMEOUT = httpx.Timeout(float(os.environ.get("BACKEND_TIMEOUT_S", "10")))
# This service's credential for the backend (BACKEND_TOKENS there names it "actions").
_AUTH = {"Authorization": f"Bearer {os.environ['BACKEND_TOKEN']}"} if os.environ.get("BACKEND_TOKEN") else {}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# The conversation and the user's message this action runs for (set per call by actions/server.py).
_turn: ContextVar[str | None] = ContextVar("turn", default=None)

T = TypeVar("T")


class BackendError(Exception):
    """A 4xx answer from the backend: `code` is its machine-readable `error` field."""

    def __init__(self, status: int, code: str, data: dict[str, Any]) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.data = data


class BackendUnavailable(Exception):
    """The backend could not be reached or answered 5xx; the user is asked to try again."""


_client: httpx.AsyncClient | None = None


def set_turn(sender_id: str | None, message_id: str | None) -> None:
    """Every state-changing call this action makes is keyed by this turn (see `_idempotency_key`)."""
    _turn.set(f"{sender_id}\n{message_id}" if sender_id and message_id else None)


def _idempotency_key(method: str, path: str, kwargs: dict[str, Any]) -> dict[str, str]:
    """The same request of the same turn gets the same key: when a replica dies mid-turn and the turn runs
    again elsewhere (the client resends its message), the backend answers these calls with their first
    answers instead of running them twice (backend/idempotency.py)."""
    turn = _turn.get()
    if turn is None or method not in STATE_CHANGING:
        return {}
    request = json.dumps(
        [method, path, kwargs.get("params"), kwargs.get("json")], sort_keys=True, default=str
    )
    return {"Idempotency-Key": hashlib.sha256(f"{turn}\n{request}".encode()).hexdigest()}


def _http() -> httpx.AsyncClient:
    # One pooled client per process: keep-alive connections keep a turn's backend calls cheap.
    global _client
    if _client is None:
        _client = httpx.AsyncClient(base_url=BACKEND_URL, timeout=_TIMEOUT)
    return _client


async def _call(method: str, path: str, *, lang: str | None = None, **kwargs: Any) -> dict[str, Any]:
    if lang is not None:
        kwargs["params"] = {**kwargs.get("params", {}), "lang": lang}
    headers = {**_AUTH, **_idempotency_key(method, path, kwargs)}
    try:
        response = await _http().request(method, path, headers=headers, **kwargs)
    except httpx.HTTPError as exc:
        raise BackendUnavailable(str(exc)) from exc
    if response.status_code >= 500:
        raise BackendUnavailable(f"{response.status_code} from backend")
    data = response.json() if response.content else {}
    if response.status_code >= 400:
        raise BackendError(response.status_code, str(data.get("error", "error")), data)
    return data


# Documents that change only with a release (flow table, notice, questionnaire, agreements), by path and
# language: fetched once per process.
_cache: dict[tuple[str, str | None], Any] = {}


async def _cached(cls: type[T], path: str, lang: str | None = None) -> T:
    key = (path, lang)
    if key not in _cache:
        _cache[key] = parse(cls, await _call("GET", path, lang=lang))
    return _cache[key]


def _application(app_id: str, action: str = "") -> str:
    return f"/applications/{app_id}/{action}".rstrip("/")


async def or_none(call: Awaitable[T]) -> T | None:
    """For actions outside forms: None on an outage or a 4xx (the caller decides what to say)."""
    try:
        return await call
    except (BackendUnavailable, BackendError) as exc:
        log.warning("backend call %s failed: %s", getattr(call, "__qualname__", call), exc)
        return None


# Reference documents.


async def flow() -> Flow:
    return await _cached(Flow, "/flow")


async def notice(lang: str) -> Notice:
    """The personal-information notice consent is asked for."""
    return await _cached(Notice, "/notices/current", lang)


async def questionnaire(lang: str) -> Questionnaire:
    return await _cached(Questionnaire, "/risk/questionnaire", lang)


async def agreements(lang: str) -> Agreements:
    return await _cached(Agreements, "/agreements", lang)


async def validate_id_number(id_number: str) -> IdCheck:
    """A pure check (nothing stored): 422 invalid_id with `reason` format/checksum/birth_date/region."""
    return parse(IdCheck, await _call("POST", "/validate/id_number", json={"id_number": id_number}))


# An application, step by step.


async def create_application(sender_id: str, channel: str) -> Application:
    body = {"sender_id": sender_id, "channel": channel}
    return parse(Application, await _call("POST", "/applications", json=body))


async def get_application(app_id: str) -> Application:
    return parse(Application, await _call("GET", _application(app_id)))


async def record_consent(
    app_id: str, accepted: bool, notice_version: str, answer: AnswerRecord
) -> Application:
    body = {"accepted": accepted, "notice_version": notice_version, **answer.body()}
    return parse(Application, await _call("POST", _application(app_id, "consent"), json=body))


async def send_code(app_id: str, phone: str, lang: str) -> CodeSent:
    """The SMS code to a mobile number, the SMS in `lang`."""
    answer = await _call("POST", _application(app_id, "phone"), lang=lang, json={"phone": phone})
    return parse(CodeSent, answer)


async def resend_code(app_id: str, lang: str) -> CodeSent:
    return parse(CodeSent, await _call("POST", _application(app_id, "phone/resend"), lang=lang))


async def verify_code(app_id: str, code: str) -> Verification:
    answer = await _call("POST", _application(app_id, "phone/verify"), json={"code": code})
    return parse(Verification, answer)


async def verify_identity(app_id: str, name: str, id_number: str) -> Application:
    body = {"name": name, "id_number": id_number}
    return parse(Application, await _call("POST", _application(app_id, "identity"), json=body))


async def start_liveness(app_id: str) -> LivenessSession:
    return parse(LivenessSession, await _call("POST", _application(app_id, "liveness/start")))


async def check_liveness(app_id: str) -> LivenessResult:
    return parse(LivenessResult, await _call("POST", _application(app_id, "liveness/check")))


async def score_risk(app_id: str, answers: list[int], lang: str) -> RiskResult:
    """The questionnaire's answers (1-4 each): the investor level, its name and notice in `lang`."""
    answer = await _call("POST", _application(app_id, "risk"), lang=lang, json={"answers": answers})
    return parse(RiskResult, answer)


async def sign_agreements(app_id: str, answer: AnswerRecord) -> Signature:
    return parse(Signature, await _call("POST", _application(app_id, "agreements/sign"), json=answer.body()))


async def bind_bank_card(app_id: str, card_number: str) -> CardBound:
    body = {"card_number": card_number}
    return parse(CardBound, await _call("POST", _application(app_id, "bank_card"), json=body))


async def submit(app_id: str, lang: str) -> Submission:
    """Compliance checks, then an opened account or manual review (review reasons in `lang`)."""
    return parse(Submission, await _call("POST", _application(app_id, "submit"), lang=lang))


async def pause(app_id: str) -> Application:
    return parse(Application, await _call("POST", _application(app_id, "pause")))


async def cancel(app_id: str, reason: CancelReason = "user_request") -> Application:
    answer = await _call("POST", _application(app_id, "cancel"), params={"reason": reason})
    return parse(Application, answer)


async def delete_application(app_id: str) -> DeletedApplication:
    """Erases the personal data; the answer names every conversation linked to the application."""
    return parse(DeletedApplication, await _call("DELETE", _application(app_id)))


# People: a handoff ticket, a video-witness appointment.


async def request_handoff(
    sender_id: str, application_id: str | None, reason: str, channel: str
) -> HandoffTicket:
    body = {"sender_id": sender_id, "application_id": application_id, "reason": reason, "channel": channel}
    return parse(HandoffTicket, await _call("POST", "/handoff", json=body))


async def book_appointment(
    sender_id: str, application_id: str | None, channel: str, lang: str, preferred_time: str | None = None
) -> Appointment:
    """The first free video-witness slot at or after `preferred_time` (None: the earliest)."""
    body = {
        "sender_id": sender_id,
        "application_id": application_id,
        "channel": channel,
        "lang": lang,
        "preferred_time": preferred_time,
    }
    return parse(Appointment, await _call("POST", "/appointments", json=body))
