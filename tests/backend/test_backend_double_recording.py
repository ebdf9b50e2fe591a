"""Double recording: consent and signature answers in the audit trail with their words, version, channel and
voice recording; `verify` (make verify-audit) names the first broken entry or recording; deletion erases
every linked conversation's recordings and answers with those conversations."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from backend_testkit import AS_GATEWAY, PHONE, TEST_KEY, Flow
from fastapi.testclient import TestClient
from sqlalchemy import text

from backend import audit
from backend import cli as backend_cli
from backend.config import Settings
from backend.models import ApplicationSender, AuditEvent, ConsentRecord, HandoffTicket
from backend.recordings import LocalRecordingStore, RecordingUnreadable, recording_store, sha256_of
from privacy.vault import Vault, generate_key

CONSENT_AUDIO = b"RIFF-consent-audio-" + bytes(range(256))
SIGN_AUDIO = b"RIFF-signature-audio-" + bytes(range(200))


def store_of(flow: Flow) -> LocalRecordingStore:
    return flow.client.app.state.services.recordings


def trail(flow: Flow, type_: str | None = None) -> list[AuditEvent]:
    with flow.client.app.state.services.db.session() as session:
        query = session.query(AuditEvent).order_by(AuditEvent.id)
        return [e for e in query.all() if type_ is None or e.type == type_]


def details(event: AuditEvent) -> dict:
    return json.loads(event.details)


def run_sql(flow: Flow, sql: str, **params: object) -> None:
    with flow.client.app.state.services.db.engine.begin() as connection:
        connection.execute(text(sql), params)


def voice_consent(flow: Flow, app_id: str, sender: str, audio: bytes = CONSENT_AUDIO) -> str:
    sha256 = store_of(flow).put(audio, sender)  # what the gateway does at the consent step
    version = flow.client.get("/notices/current").json()["version"]
    body = {
        "accepted": True,
        "notice_version": version,
        "utterance": "我同意,我的电话13812345678",
        "channel": "hotline",
        "audio_sha256": sha256.upper(),
    }
    flow.post(f"/applications/{app_id}/consent", body)
    return sha256


def voice_sign(flow: Flow, app_id: str, sender: str) -> str:
    sha256 = store_of(flow).put(SIGN_AUDIO, sender)
    body = {"utterance": "同意签署", "channel": "hotline", "audio_sha256": sha256}
    flow.post(f"/applications/{app_id}/agreements/sign", body)
    return sha256


def verify(flow: Flow) -> audit.Broken | None:
    with flow.client.app.state.services.db.session() as session:
        return audit.verify_chain(session) or audit.verify_recordings(session, store_of(flow))[0]


def cli(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> tuple[int, str]:
    monkeypatch.setenv("BACKEND_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BACKEND_DATA_KEY", TEST_KEY)
    monkeypatch.setenv("RECORDINGS_DIR", settings.recordings_dir)
    status = backend_cli.main(["verify-audit"])
    return status, capsys.readouterr().out


@pytest.fixture
def voiced(flow: Flow) -> tuple[str, str, str]:
    """An application whose consent and signature were spoken: (id, consent sha256, signature sha256)."""
    app_id = flow.create("caller-1", "hotline")
    consent = voice_consent(flow, app_id, "caller-1")
    flow.send_code(app_id)
    flow.verify(app_id)
    flow.identity(app_id)
    flow.liveness(app_id)
    flow.risk(app_id)
    return app_id, consent, voice_sign(flow, app_id, "caller-1")


def test_the_store_encrypts_names_by_hash_and_erases_by_owner(tmp_path: Path) -> None:
    store = LocalRecordingStore(tmp_path, Vault(b"k" * 32, purpose="recording"))
    first, second = store.put(CONSENT_AUDIO, "chat-1"), store.put(SIGN_AUDIO, "call-2")
    assert first == sha256_of(CONSENT_AUDIO) and store.get(first) == CONSENT_AUDIO and store.has(second)
    on_disk = (tmp_path / f"{first}.rec").read_bytes()
    assert CONSENT_AUDIO not in on_disk and b"chat-1" not in b"".join(
        p.name.encode() for p in tmp_path.rglob("*")
    )
    assert store.owned(["chat-1"]) == {first}
    other_key = LocalRecordingStore(tmp_path, Vault(b"x" * 32, purpose="recording"))
    with pytest.raises(RecordingUnreadable):
        other_key.get(first)
    with pytest.raises(ValueError):
        store.get("../backend.key")
    assert store.erase([], ["chat-1"]) == [first]
    assert not store.has(first) and store.get(second) == SIGN_AUDIO and store.owned(["chat-1"]) == set()


def test_consent_and_signature_entries_keep_words_version_channel_and_recording(
    flow: Flow, voiced: tuple[str, str, str]
) -> None:
    app_id, consent_sha, sign_sha = voiced
    [consent] = [e for e in trail(flow, "consent.recorded") if e.application_id == app_id]
    notice = flow.client.get("/notices/current").json()["version"]
    assert details(consent) == {
        "accepted": True,
        "notice_version": notice,
        "utterance": "我同意,我的电话138****5678",  # numbers redacted, as the consent table keeps them
        "channel": "hotline",
        "audio_sha256": consent_sha,
        "recording": consent_sha,
    }
    assert consent.at.startswith("2025-06-01T02:00")
    [signed] = trail(flow, "agreement.signed")
    bundle = flow.client.get("/agreements").json()["version"]
    assert details(signed)["version"] == bundle and details(signed)["documents"]
    assert details(signed)["utterance"] == "同意签署" and details(signed)["recording"] == sign_sha
    assert verify(flow) is None


def test_text_answers_and_unrecorded_audio(flow: Flow) -> None:
    app_id = flow.until_identity("chat-9")
    [consent] = [e for e in trail(flow, "consent.recorded") if e.application_id == app_id]
    assert details(consent)["utterance"] == "我同意" and "audio_sha256" not in details(consent)
    flow.identity(app_id)
    flow.liveness(app_id)
    flow.risk(app_id)
    flow.sign(app_id)  # a hash the gateway never stored: the entry says no recording was kept
    assert details(trail(flow, "agreement.signed")[0])["recording"] is None
    assert verify(flow) is None


def test_cli_ok_then_a_tampered_or_missing_recording_is_named(
    flow: Flow, voiced: tuple[str, str, str], settings: Settings, monkeypatch, capsys
) -> None:
    _, consent_sha, sign_sha = voiced
    status, out = cli(settings, monkeypatch, capsys)
    assert status == 0 and out.startswith("OK (") and "2 recordings" in out
    consent_event = next(e.id for e in trail(flow, "consent.recorded") if details(e).get("recording"))
    sign_event = trail(flow, "agreement.signed")[0].id
    files = Path(settings.recordings_dir)

    # Replaced by other audio, properly encrypted: the hash gives it away.
    forged = store_of(flow).vault.encrypt_bytes(b"someone else saying yes")
    (files / f"{sign_sha}.rec").write_bytes(forged)
    status, out = cli(settings, monkeypatch, capsys)
    assert status == 1 and f"BROKEN at event {sign_event}" in out and "does not hash" in out

    # Bytes changed on disk: no longer decrypts. The earlier entry is named first.
    (files / f"{consent_sha}.rec").write_bytes(b"gAAAA" + b"0" * 80)
    status, out = cli(settings, monkeypatch, capsys)
    assert status == 1 and f"BROKEN at event {consent_event}" in out and "does not decrypt" in out

    (files / f"{consent_sha}.rec").unlink()
    status, out = cli(settings, monkeypatch, capsys)
    assert status == 1 and f"BROKEN at event {consent_event}" in out and "missing" in out


def swap_ids(flow: Flow, first: int, second: int) -> None:
    run_sql(flow, "UPDATE audit_events SET id = -1 WHERE id = :i", i=first)
    run_sql(flow, "UPDATE audit_events SET id = :a WHERE id = :b", a=first, b=second)
    run_sql(flow, "UPDATE audit_events SET id = :b WHERE id = -1", b=second)


@pytest.mark.parametrize("tampering", ["changed", "deleted", "reordered", "truncated"])
def test_cli_names_the_first_broken_entry(
    tampering: str, flow: Flow, voiced: tuple[str, str, str], settings: Settings, monkeypatch, capsys
) -> None:
    entries = trail(flow)
    target = entries[3]
    if tampering == "changed":
        forged = details(target) | {"channel": "app"}
        run_sql(flow, "UPDATE audit_events SET details = :d WHERE id = :i", d=json.dumps(forged), i=target.id)
        expected = f"BROKEN at event {target.id}: content does not match"
    elif tampering == "deleted":
        run_sql(flow, "DELETE FROM audit_events WHERE id = :i", i=target.id)
        expected = f"BROKEN at event {target.id + 1}: expected entry {target.id}"
    elif tampering == "reordered":
        swap_ids(flow, target.id, target.id + 1)
        expected = f"BROKEN at event {target.id}: prev_hash"
    else:
        run_sql(flow, "DELETE FROM audit_events WHERE id > :i", i=target.id)
        expected = f"BROKEN at chain head: head says {len(entries)} entries, found {target.id}"
    status, out = cli(settings, monkeypatch, capsys)
    assert status == 1 and expected in out, out


def test_delete_erases_recordings_of_every_linked_conversation(
    flow: Flow, settings: Settings, monkeypatch, capsys
) -> None:
    # Started in an app chat (spoken consent), paused; resumed from a hotline call that proves the phone.
    earlier = flow.create("app-chat")
    chat_consent = voice_consent(flow, earlier, "app-chat")
    orphan = store_of(flow).put(b"a question asked at the consent step", "app-chat")
    flow.send_code(earlier)
    flow.verify(earlier)
    flow.post(f"/applications/{earlier}/pause")
    later = flow.create("hotline-call", "hotline")
    call_consent = voice_consent(flow, later, "hotline-call", audio=CONSENT_AUDIO + b"call")
    flow.send_code(later)
    assert flow.verify(later)["resumed"] is True
    flow.identity(earlier)
    flow.post(
        "/handoff", {"sender_id": "staff-chat", "application_id": earlier, "reason": "问问题"}, expect=201
    )
    someone_else = flow.create("other-user")
    kept = voice_consent(flow, someone_else, "other-user", audio=b"another person")

    response = flow.client.delete(f"/applications/{earlier}")
    assert response.status_code == 200, response.text
    deleted = response.json()
    assert deleted["status"] == "deleted"
    assert deleted["erased_senders"] == ["app-chat", "hotline-call", "staff-chat"]
    store = store_of(flow)
    for sha256 in (chat_consent, call_consent, orphan):
        assert not store.has(sha256)
    assert store.get(kept) == b"another person"
    assert sorted(p.name for p in Path(settings.recordings_dir).rglob("*") if p.is_file()) == sorted(
        [f"{kept}.rec", store._owner_index("other-user").name]
    )
    with flow.client.app.state.services.db.session() as session:
        assert session.query(ApplicationSender).filter_by(application_id=earlier).count() == 0
        assert session.query(HandoffTicket).one().sender_id == "erased"
        for record in session.query(ConsentRecord).filter(ConsentRecord.application_id.in_([earlier, later])):
            assert record.utterance is None and record.audio_sha256 is None
        everything = " ".join(e.details + (e.application_id or "") for e in session.query(AuditEvent))
    for sender in ("app-chat", "hotline-call", "staff-chat"):
        assert sender not in everything
    assert PHONE not in everything
    [entry] = trail(flow, "application.deleted")
    assert details(entry)["recordings"] == sorted([chat_consent, call_consent, orphan])
    assert details(entry)["absorbed"] == [later] and details(entry)["conversations"] == 3
    # The erased recordings are accounted for: the trail still verifies, the other person's recording too.
    status, out = cli(settings, monkeypatch, capsys)
    assert status == 0 and "1 recordings" in out, out
    # Deleting again answers the same, with nothing left to erase.
    again = flow.client.delete(f"/applications/{earlier}").json()
    assert again["status"] == "deleted" and again["erased_senders"] == []


def test_the_store_follows_the_settings(tmp_path: Path) -> None:
    settings = Settings(data_key=generate_key(), recordings_dir=str(tmp_path / "rec"))
    sha256 = recording_store(settings).put(b"audio", "s")
    assert (tmp_path / "rec" / f"{sha256}.rec").is_file()
    assert Settings.from_env({"RECORDINGS_DIR": "/data/rec"}).recordings_dir == "/data/rec"


def test_cli_on_a_database_without_a_trail(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BACKEND_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("BACKEND_DATA_KEY", TEST_KEY)
    assert backend_cli.main(["verify-audit"]) == 2
    assert "no audit trail in sqlite:///" in capsys.readouterr().err


def test_cli_outside_sandbox_needs_the_key(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BACKEND_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("SANDBOX_MODE", "false")
    monkeypatch.delenv("BACKEND_DATA_KEY", raising=False)
    assert backend_cli.main(["verify-audit"]) == 2
    assert "cannot verify: BACKEND_DATA_KEY must be set" in capsys.readouterr().err


def test_the_gateway_hands_recordings_over_http(flow: Flow, client: TestClient) -> None:
    audio = b"RIFF" + bytes(2000)
    kept = client.post(
        "/recordings?sender_id=web-1",
        content=audio,
        headers={**AS_GATEWAY, "content-type": "application/octet-stream"},
    )
    assert kept.status_code == 201
    sha256 = kept.json()["sha256"]
    assert kept.json() == {"sha256": hashlib.sha256(audio).hexdigest(), "bytes": len(audio)}
    store = client.app.state.services.recordings
    assert store.get(sha256) == audio and sha256 in store.owned(["web-1"])
    assert client.post("/recordings?sender_id=web-1", content=b"", headers=AS_GATEWAY).status_code == 422
    assert client.post("/recordings?sender_id=bad id", content=audio, headers=AS_GATEWAY).status_code == 422
