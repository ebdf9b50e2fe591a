"""Stage 4: signing the agreements ("double recording": versions, utterance, audio hash, time)."""

from __future__ import annotations

from backend import content
from backend.content import DEFAULT_LANG
from backend.db import from_db, to_db
from backend.errors import ApiError
from backend.models import AgreementSignature
from backend.schemas import SignOut
from backend.services.application_state import load, require_in_progress, snapshot, touch
from backend.services.context import Services
from backend.services.evidence import answer_evidence
from privacy.numbers import redact


def sign(
    ctx: Services,
    application_id: str,
    utterance: str,
    channel: str,
    audio_sha256: str | None,
    lang: str = DEFAULT_LANG,
) -> SignOut:
    # Whether the utterance is a clear yes is the dialogue's decision; here it is kept as evidence.
    bundle_version, documents = content.agreement_versions()
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        if application.risk_level is None:
            raise ApiError(409, "risk_required", "The risk assessment comes before the agreements.")
        signed_at = to_db(tx.now)
        tx.session.add(
            AgreementSignature(
                application_id=application.id,
                bundle_version=bundle_version,
                documents=documents,
                utterance=redact(utterance),
                channel=channel,
                audio_sha256=audio_sha256.lower() if audio_sha256 else None,
                signed_at=signed_at,
            )
        )
        application.agreement_signed_at = signed_at
        touch(application, tx.now)
        tx.audit(
            "agreement.signed",
            application.id,
            version=bundle_version,
            documents=documents,
            **answer_evidence(ctx, utterance, channel, audio_sha256),
        )
        return SignOut(
            signed=True,
            version=bundle_version,
            signed_at=from_db(signed_at),
            application=snapshot(application, lang),
        )
