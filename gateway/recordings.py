"""Evidence recordings (the voice answer at the consent and agreement steps) handed to the backend over HTTP:
the backend stores, encrypts, hashes and later erases them, so the gateway keeps no recording on its own disk
and may run on another machine (voice/dialogue.py's RecordingSink)."""

from __future__ import annotations

import logging

import httpx

log = logging.getLogger("gateway.recordings")


class BackendRecordings:
    def __init__(self, backend: httpx.AsyncClient) -> None:
        self.backend = backend

    async def keep(self, audio: bytes, owner: str) -> str | None:
        try:
            response = await self.backend.post(
                "/recordings",
                params={"sender_id": owner},
                content=audio,
                headers={"content-type": "application/octet-stream"},
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            # The answer still counts; its audit entry then says no recording was kept.
            log.error("a recording of %s could not be handed to the backend: %s", owner, exc)
            return None
        return str(response.json()["sha256"])
