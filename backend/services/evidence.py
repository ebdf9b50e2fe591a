"""What the audit trail keeps of a consent or signature answer ("double recording")."""

from __future__ import annotations

from typing import Any

from backend.services.context import Services
from privacy.numbers import redact


def answer_evidence(ctx: Services, utterance: str, channel: str, audio_sha256: str | None) -> dict[str, Any]:
    """The user's words as the tables keep them (numbers redacted) and the channel; for a voice answer the
    audio's sha256 and, when it was stored, the recording that `python -m backend.cli verify-audit` checks."""
    details: dict[str, Any] = {"utterance": redact(utterance), "channel": channel}
    if audio_sha256:
        sha256 = audio_sha256.lower()
        details["audio_sha256"] = sha256
        details["recording"] = sha256 if ctx.recordings.has(sha256) else None
    return details
