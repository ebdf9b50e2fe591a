"""Provider registry: picks each implementation by configuration and never substitutes one silently.

`sandbox` selects the sandbox; `module.path:ClassName` loads a real implementation of the interface.
With SANDBOX_MODE=false an unset provider stops the service at start, and an explicit `sandbox` is
allowed only because someone wrote it down (it is logged loudly).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

from backend.config import ConfigError
from backend.providers.base import (
    BankBinder,
    IdentityVerifier,
    LivenessProvider,
    Provider,
    ProviderContext,
    SmsSender,
)
from backend.providers.sandbox import (
    SandboxBankBinder,
    SandboxIdentityVerifier,
    SandboxLivenessProvider,
    SandboxSmsSender,
)

log = logging.getLogger(__name__)

SANDBOX = "sandbox"


@dataclass(frozen=True)
class Kind:
    setting: str
    env: str
    interface: type[Provider]
    sandbox: type[Provider]


KINDS = {
    "sms": Kind("sms_provider", "SMS_PROVIDER", SmsSender, SandboxSmsSender),
    "identity": Kind("id_check_provider", "ID_CHECK_PROVIDER", IdentityVerifier, SandboxIdentityVerifier),
    "liveness": Kind("liveness_provider", "LIVENESS_PROVIDER", LivenessProvider, SandboxLivenessProvider),
    "bank": Kind("bank_provider", "BANK_PROVIDER", BankBinder, SandboxBankBinder),
}


@dataclass(frozen=True)
class Providers:
    sms: SmsSender
    identity: IdentityVerifier
    liveness: LivenessProvider
    bank: BankBinder


def _import(spec: str, kind: Kind) -> type[Provider]:
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise ConfigError(f"{kind.env} must be '{SANDBOX}' or 'module.path:ClassName', got {spec!r}")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{kind.env}={spec!r} cannot be loaded: {exc}") from exc
    if not isinstance(cls, type) or not issubclass(cls, kind.interface):
        raise ConfigError(f"{kind.env}={spec!r} is not a {kind.interface.__name__}")
    return cls


def _choose(kind: Kind, context: ProviderContext) -> Provider:
    configured: str | None = getattr(context.settings, kind.setting)
    sandbox_mode = context.settings.sandbox_mode
    if configured is None:
        if not sandbox_mode:
            raise ConfigError(f"{kind.env} must be configured when SANDBOX_MODE=false")
        configured = SANDBOX
    if configured == SANDBOX:
        if not sandbox_mode:
            log.warning("%s=sandbox explicitly configured while SANDBOX_MODE=false", kind.env)
        cls = kind.sandbox
    else:
        cls = _import(configured, kind)
    if cls.is_sandbox and not sandbox_mode and configured != SANDBOX:
        raise ConfigError(f"{kind.env}={configured!r} is a sandbox; say '{SANDBOX}' explicitly to use it")
    return cls.create(context)


def build_providers(context: ProviderContext) -> Providers:
    chosen = {name: _choose(kind, context) for name, kind in KINDS.items()}
    return Providers(**chosen)  # type: ignore[arg-type]
