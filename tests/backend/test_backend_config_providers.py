"""Settings from the environment, and the provider registry's refusal to substitute silently."""

from __future__ import annotations

import logging

import backend_fake_providers as fake_providers
import pytest
from backend_testkit import AS_ACTIONS, AS_GATEWAY, PHONE, TEST_KEY, Flow
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.config import ConfigError, Settings
from backend.providers.sandbox import SandboxSmsSender

REAL = {
    "sms_provider": "backend_fake_providers:RecordingSms",
    "id_check_provider": "backend_fake_providers:AlwaysMatch",
    "liveness_provider": "backend_fake_providers:InstantLiveness",
    "bank_provider": "backend_fake_providers:AcceptingBank",
}


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///var/backend.db"
    assert settings.sandbox_mode is True and settings.sms_provider is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8100)
    assert (settings.sms_code_ttl_s, settings.sms_max_tries, settings.sms_resend_interval_s) == (300, 5, 30)


def test_from_env() -> None:
    settings = Settings.from_env(
        {
            "BACKEND_DATABASE_URL": "postgresql+psycopg2://u:p@db/accounts",
            "SANDBOX_MODE": "false",
            "SMS_PROVIDER": "x.y:Z",
            "SMS_CODE_TTL_S": "120",
            "SMS_MAX_TRIES": "3",
            "SMS_RESEND_INTERVAL_S": "0",
            "BACKEND_HOST": "0.0.0.0",
            "BACKEND_PORT": "9000",
        }
    )
    assert settings.database_url.startswith("postgresql") and settings.sandbox_mode is False
    assert settings.sms_provider == "x.y:Z" and settings.id_check_provider is None
    assert (settings.sms_code_ttl_s, settings.sms_max_tries, settings.sms_resend_interval_s) == (120, 3, 0)
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)


@pytest.mark.parametrize(
    ("var", "value"), [("SANDBOX_MODE", "maybe"), ("BACKEND_PORT", "http"), ("SMS_MAX_TRIES", "0")]
)
def test_bad_env_values(var: str, value: str) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env({var: value})


def test_today_is_china_date() -> None:
    from datetime import date, datetime, timezone

    late_utc = Settings(clock=lambda: datetime(2025, 5, 31, 17, 0, tzinfo=timezone.utc))
    assert late_utc.today() == date(2025, 6, 1)  # 01:00 in Beijing


def real_settings(settings: Settings, **changes: object) -> Settings:
    return settings.with_overrides(sandbox_mode=False, **{**REAL, **changes})


def test_real_mode_needs_every_provider(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="SMS_PROVIDER must be configured"):
        create_app(settings.with_overrides(sandbox_mode=False))
    with pytest.raises(ConfigError, match="BANK_PROVIDER must be configured"):
        create_app(real_settings(settings, bank_provider=None))


def test_real_mode_needs_a_data_key(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="BACKEND_DATA_KEY"):
        create_app(real_settings(settings, data_key=None))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nonsense", "module.path:ClassName"),
        ("no_such_module:Thing", "cannot be loaded"),
        ("backend_fake_providers:Missing", "cannot be loaded"),
        ("backend_fake_providers:NotAProvider", "is not a SmsSender"),
        ("backend_fake_providers:AlwaysMatch", "is not a SmsSender"),
        ("backend.providers.sandbox:SandboxSmsSender", "is a sandbox"),
    ],
)
def test_bad_provider_specs(settings: Settings, spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        create_app(real_settings(settings, sms_provider=spec))


def test_explicit_sandbox_in_real_mode_is_allowed_and_loud(settings: Settings, caplog) -> None:
    caplog.set_level(logging.WARNING)
    app = create_app(real_settings(settings, sms_provider="sandbox"))
    assert isinstance(app.state.services.providers.sms, SandboxSmsSender)
    assert "SMS_PROVIDER=sandbox explicitly configured" in caplog.text
    assert "SANDBOX provider sms" in caplog.text
    with TestClient(app, headers=AS_ACTIONS) as client:
        assert client.get("/healthz").json()["sandbox"] is False
        assert (
            client.post("/sandbox/sms", json={"phone": PHONE}, headers=AS_GATEWAY).status_code == 404
        )  # sandbox endpoints follow SANDBOX_MODE


def test_real_providers_are_used(settings: Settings) -> None:
    fake_providers.SENT.clear()
    with TestClient(create_app(real_settings(settings, data_key=TEST_KEY)), headers=AS_ACTIONS) as client:
        flow = Flow(client)
        app_id = flow.create()
        flow.consent(app_id)
        flow.send_code(app_id)
        assert client.post("/sandbox/sms", json={"phone": PHONE}, headers=AS_GATEWAY).status_code == 404
        ((phone, code),) = fake_providers.SENT
        assert phone == PHONE
        assert flow.post(f"/applications/{app_id}/phone/verify", {"code": code})["verified"]
        started = flow.post(
            f"/applications/{app_id}/identity", {"name": "张伟", "id_number": "310104198506123455"}
        )
        assert started["identity_verified"]
        assert flow.post(f"/applications/{app_id}/liveness/start")["url"].startswith(
            "https://liveness.example"
        )


def test_sandbox_key_file_is_created_once(settings: Settings, tmp_path) -> None:
    key_file = tmp_path / "keys" / "backend.key"
    first = settings.with_overrides(data_key=None, key_file=str(key_file)).vault()
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
    second = settings.with_overrides(data_key=None, key_file=str(key_file)).vault()
    assert second.decrypt(first.encrypt("13812345678")) == "13812345678"
    assert first.digest("phone", "1") == second.digest("phone", "1") != first.digest("id_number", "1")


def test_cluster_mode_takes_every_secret_from_the_environment() -> None:
    """A replica never generates a key or a token: the next machine would generate another."""
    with pytest.raises(ConfigError, match="BACKEND_DATA_KEY, BACKEND_TOKENS, ADMIN_TOKENS"):
        Settings.from_env({"CLUSTER_MODE": "true"})
    given = {"CLUSTER_MODE": "true", "BACKEND_DATA_KEY": TEST_KEY, "BACKEND_TOKENS": "a:" + "t" * 24}
    assert Settings.from_env({**given, "ADMIN_TOKENS": "r:" + "t" * 24}).cluster_mode is True
    with pytest.raises(ConfigError, match="CLUSTER_MODE must be true or false"):
        Settings.from_env({"CLUSTER_MODE": "maybe"})
