"""Settings from the environment (table in README.md); a clock that tests can replace."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from privacy.vault import InvalidKey, Vault, load_master_key
from service import environment
from service.environment import SettingError, flag, require_secrets

REPO_ROOT = Path(__file__).resolve().parent.parent
# China has had no daylight saving since 1991, so a fixed offset is exact and needs no tzdata.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


class ConfigError(RuntimeError):
    """The service must not start with this configuration."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# The backend's secrets, which a cluster must hand every replica (service/environment.py).
CLUSTER_SECRETS = ("BACKEND_DATA_KEY", "BACKEND_TOKENS", "ADMIN_TOKENS")


def _flags(env: Mapping[str, str]) -> dict[str, bool]:
    try:
        require_secrets(env, CLUSTER_SECRETS, "backend")
        return {"sandbox_mode": environment.sandbox_mode(env), "cluster_mode": environment.cluster_mode(env)}
    except SettingError as exc:
        raise ConfigError(str(exc)) from exc


def _int(raw: str, name: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/backend.db"
    sandbox_mode: bool = True
    # None means "not configured": sandbox mode then uses the sandbox, real mode refuses to start.
    sms_provider: str | None = None
    id_check_provider: str | None = None
    liveness_provider: str | None = None
    bank_provider: str | None = None
    sms_code_ttl_s: int = 300
    sms_max_tries: int = 5
    sms_resend_interval_s: int = 30
    # Codes sent to one number in 24 hours, whichever conversations asked (SMS pumping, code guessing).
    sms_max_per_phone_per_day: int = 10
    host: str = "127.0.0.1"
    port: int = 8100
    # Master key for field encryption (urlsafe base64 of 32 bytes); sandbox mode falls back to key_file.
    data_key: str | None = None
    key_file: str = "var/backend.key"
    # Encrypted voice recordings of the consent and agreement answers (shared with the gateway).
    recordings_dir: str = "var/recordings"
    # Optional YAML list of blocked ID numbers (a real sanctions/blocked list); sandbox adds its own.
    blocked_list_file: str | None = None
    blocked_phones_file: str | None = None  # the same for mobile numbers
    retention_days: int = 30
    # Admin API credentials: "reviewer:token" pairs, comma-separated, or a file of such lines. Sandbox mode
    # without either generates one into admin_token_file; real mode refuses to start without them.
    admin_tokens: str | None = None
    admin_tokens_file: str | None = None
    admin_token_file: str = "var/admin_tokens"
    # The services that may call the customer API: "actions:<token>,gateway:<token>" (service/auth.py).
    # Required in every mode: the backend trusts no caller for being on its network.
    service_tokens: str | None = None
    log_level: str = "INFO"
    # A single machine migrates at start; replicas in a cluster never do (`python -m backend.cli migrate`,
    # a Kubernetes Job, runs once before them), so two starting replicas cannot race on the schema.
    migrate_on_start: bool = True
    # Several replicas (CLUSTER_MODE): every secret comes from the environment, none is generated.
    cluster_mode: bool = False
    clock: Callable[[], datetime] = field(default=utc_now, compare=False, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        text_vars = {
            "BACKEND_DATABASE_URL": "database_url",
            "SMS_PROVIDER": "sms_provider",
            "ID_CHECK_PROVIDER": "id_check_provider",
            "LIVENESS_PROVIDER": "liveness_provider",
            "BANK_PROVIDER": "bank_provider",
            "BACKEND_HOST": "host",
            "BACKEND_DATA_KEY": "data_key",
            "BACKEND_KEY_FILE": "key_file",
            "RECORDINGS_DIR": "recordings_dir",
            "BLOCKED_LIST_FILE": "blocked_list_file",
            "BLOCKED_PHONES_FILE": "blocked_phones_file",
            "BACKEND_LOG_LEVEL": "log_level",
            "ADMIN_TOKENS": "admin_tokens",
            "ADMIN_TOKENS_FILE": "admin_tokens_file",
            "BACKEND_TOKENS": "service_tokens",
        }
        for var, attr in text_vars.items():
            if env.get(var, "").strip():
                kwargs[attr] = env[var].strip()
        int_vars = {
            "SMS_CODE_TTL_S": ("sms_code_ttl_s", 1),
            "SMS_MAX_TRIES": ("sms_max_tries", 1),
            "SMS_RESEND_INTERVAL_S": ("sms_resend_interval_s", 0),
            "SMS_MAX_PER_PHONE_PER_DAY": ("sms_max_per_phone_per_day", 1),
            "BACKEND_PORT": ("port", 1),
            "RETENTION_DAYS": ("retention_days", 1),
        }
        for var, (attr, minimum) in int_vars.items():
            if env.get(var, "").strip():
                kwargs[attr] = _int(env[var], var, minimum)
        kwargs.update(_flags(env))
        try:
            kwargs["migrate_on_start"] = flag(env, "BACKEND_MIGRATE_ON_START", True)
        except SettingError as exc:
            raise ConfigError(str(exc)) from exc
        return cls(**kwargs)  # type: ignore[arg-type]

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def now(self) -> datetime:
        """Current time, always timezone-aware UTC (a naive test clock is read as UTC)."""
        value = self.clock()
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

    def today(self) -> date:
        """Today's date in China: ages and 'not in the future' checks follow the customer's calendar."""
        return self.now().astimezone(CHINA_TZ).date()

    def vault(self, purpose: str = "backend-field") -> Vault:
        """A vault under the master key (BACKEND_DATA_KEY, or the sandbox key file) for one purpose."""
        try:
            key = load_master_key(
                self.data_key, sandbox=self.sandbox_mode, key_file=self.resolve_path(self.key_file)
            )
        except InvalidKey as exc:
            raise ConfigError(str(exc)) from exc
        return Vault(key, purpose)

    def resolve_path(self, path: str) -> Path:
        """Relative paths are relative to the repository root, so the service works from any cwd."""
        candidate = Path(path)
        return candidate if candidate.is_absolute() else REPO_ROOT / candidate
