"""Voice recordings of consent and agreement answers ("double recording"): the gateway hands the audio over
here; the backend stores it encrypted, keyed by its sha256 and owned by the conversation that said it."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Query, Request

from backend.errors import ApiError
from backend.routes import GATEWAY, errors, get_services
from backend.schemas import RecordingOut
from backend.services import Services

router = APIRouter(tags=["recordings"], route_class=GATEWAY)
# The gateway accepts voice uploads up to 10 MiB; a recording is one of those.
MAX_RECORDING_BYTES = 10 * 1024 * 1024 + 64 * 1024
SENDER = r"^[A-Za-z0-9_.:@-]{1,128}$"


@router.post("/recordings", response_model=RecordingOut, status_code=201, responses=errors(413, 422))
async def keep_recording(
    request: Request,
    sender_id: str = Query(..., regex=SENDER, description="the conversation whose answer this is"),
    ctx: Services = Depends(get_services),
) -> RecordingOut:
    """The request body is the audio file itself (as the user sent it)."""
    audio = bytearray()
    async for chunk in request.stream():
        audio += chunk
        if len(audio) > MAX_RECORDING_BYTES:
            raise ApiError(413, "recording_too_large", f"a recording is at most {MAX_RECORDING_BYTES} bytes")
    if not audio:
        raise ApiError(422, "empty_recording", "the request body must be the audio")
    sha256 = await asyncio.to_thread(ctx.recordings.put, bytes(audio), sender_id)
    return RecordingOut(sha256=sha256, bytes=len(audio))
