"""PIPL deletion, and resuming an earlier application by proving the same phone number."""

from __future__ import annotations

from backend_testkit import AS_GATEWAY, PHONE, Flow

from backend.models import (
    AgreementSignature,
    Application,
    AuditEvent,
    BankBinding,
    ConsentRecord,
    IdentityAttempt,
    RiskAssessment,
    SandboxOutbox,
    SmsChallenge,
)


def test_delete_erases_personal_fields(flow: Flow) -> None:
    app_id = flow.complete()
    snap = flow.client.delete(f"/applications/{app_id}").json()
    assert snap["status"] == "deleted"
    for field in ("name", "id_masked", "phone_masked", "card_masked", "bank_name", "age", "risk_level"):
        assert snap[field] is None, field
    assert snap["sender_id"] == "erased"
    assert flow.client.post("/sandbox/sms", json={"phone": PHONE}, headers=AS_GATEWAY).status_code == 404
    with flow.client.app.state.services.db.session() as session:
        row = session.get(Application, app_id)
        assert row.status == "deleted"
        for column in ("name", "id_number_enc", "id_number_hmac", "phone_enc", "phone_hmac", "phone_masked"):
            assert getattr(row, column) is None, column
        for model in (BankBinding, SmsChallenge, IdentityAttempt, RiskAssessment):
            assert session.query(model).filter_by(application_id=app_id).count() == 0, model.__name__
        assert session.query(SandboxOutbox).count() == 0
        consents = session.query(ConsentRecord).filter_by(application_id=app_id).all()
        assert consents and all(c.utterance is None and c.notice_version for c in consents)
        signature = session.query(AgreementSignature).filter_by(application_id=app_id).one()
        assert signature.utterance is None and signature.audio_sha256 is None and signature.bundle_version
        last = session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
        assert last.type == "application.deleted" and last.application_id == app_id
        assert PHONE not in last.details and "张伟" not in last.details
    # Deleting again changes nothing and still answers.
    assert flow.client.delete(f"/applications/{app_id}").json()["status"] == "deleted"


def test_approved_application_is_kept(flow: Flow) -> None:
    app_id = flow.complete()
    flow.submit(app_id)
    response = flow.client.delete(f"/applications/{app_id}")
    assert response.status_code == 409 and response.json()["error"] == "retention_required"
    assert flow.client.get(f"/applications/{app_id}").json()["status"] == "approved"


def test_delete_unknown(flow: Flow) -> None:
    assert flow.client.delete("/applications/app_missing").status_code == 404


def test_resume_by_phone_merges_into_the_earlier_application(flow: Flow) -> None:
    earlier = flow.until_identity("app-user", PHONE)
    flow.identity(earlier)
    flow.post(f"/applications/{earlier}/pause")

    # Days later, on the hotline: a new conversation proves the same phone.
    later = flow.create("hotline-caller", "hotline")
    flow.consent(later)
    flow.send_code(later)
    result = flow.verify(later)
    assert result["verified"] is True and result["resumed"] is True
    resumed = result["application"]
    assert resumed["id"] == earlier and resumed["identity_verified"] and resumed["next_step"] == "liveness"
    assert resumed["sender_id"] == "hotline-caller" and resumed["channel"] == "hotline"
    assert resumed["paused"] is False and resumed["phone_verified"]

    merged = flow.client.get(f"/applications/{later}").json()
    assert merged["status"] == "cancelled" and merged["merged_into"] == earlier
    with flow.client.app.state.services.db.session() as session:
        assert session.get(Application, later).cancel_reason == "merged"
        consents = (
            session.query(ConsentRecord).filter_by(application_id=earlier).order_by(ConsentRecord.id).all()
        )
        assert len(consents) == 2 and consents[1].copied_from is not None and consents[1].channel == "app"
        types = [e.type for e in session.query(AuditEvent).order_by(AuditEvent.id)]
        assert "application.merged" in types and "application.resumed" in types

    # The resumed application carries on to the end.
    flow.liveness(earlier)
    flow.risk(earlier)
    flow.sign(earlier)
    flow.card(earlier)
    assert flow.submit(earlier)["status"] == "approved"


def test_no_resume_for_another_phone_or_unverified(flow: Flow) -> None:
    unverified = flow.create("a")
    flow.consent(unverified)
    flow.send_code(unverified)  # never verified: nothing to resume

    other = flow.create("b")
    flow.consent(other)
    flow.send_code(other)
    result = flow.verify(other)
    assert result["resumed"] is False and result["application"]["id"] == other

    third = flow.until_identity("c", "13912345678")
    assert flow.client.get(f"/applications/{third}").json()["status"] == "in_progress"
