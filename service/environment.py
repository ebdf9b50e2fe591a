"""The deployment's switches, read the same way by every service: SANDBOX_MODE (sandbox providers, generated
sandbox secrets; on unless turned off) and CLUSTER_MODE (several replicas on several machines: every secret
must come from the environment, since a secret generated on one machine would differ on the next).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class SettingError(ValueError):
    """A setting a service must not start with; the message says which and why."""


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in TRUE | FALSE:
        return raw in TRUE
    raise SettingError(f"{name} must be true or false, got {env[name]!r}")


def sandbox_mode(env: Mapping[str, str]) -> bool:
    return flag(env, "SANDBOX_MODE", True)


def cluster_mode(env: Mapping[str, str]) -> bool:
    return flag(env, "CLUSTER_MODE", False)


def require_secrets(env: Mapping[str, str], names: Iterable[str], service: str) -> None:
    """In cluster mode, each of `names` must be set, or the service refuses to start saying which."""
    if not cluster_mode(env):
        return
    missing = [name for name in names if not env.get(name, "").strip()]
    if missing:
        raise SettingError(
            f"{service}: CLUSTER_MODE=true needs {', '.join(missing)} from the environment "
            "(a Kubernetes Secret, deploy/.env): secrets are never generated on a replica"
        )
