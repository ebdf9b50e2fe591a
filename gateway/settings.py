"""Gateway settings, all from the environment so one image runs anywhere."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from service.environment import require_secrets, sandbox_mode

# What a cluster must hand every gateway replica (service/environment.py).
CLUSTER_SECRETS = ("RASA_JWT_SECRET", "GATEWAY_CHANNEL_TOKEN", "BACKEND_TOKEN", "REDIS_URL")


@dataclass(frozen=True)
class GatewaySettings:
    rasa_url: str = field(default_factory=lambda: os.environ.get("RASA_URL", "http://127.0.0.1:5005"))
    # Signs the short-lived JWTs that admit the gateway to Rasa's HTTP API (gateway/engine.py).
    rasa_jwt_secret: str = field(default_factory=lambda: os.environ.get("RASA_JWT_SECRET", ""))
    # The secret of the gateway's channel into Rasa (bot/channel.py): only the gateway holds it.
    channel_token: str = field(default_factory=lambda: os.environ.get("GATEWAY_CHANNEL_TOKEN", ""))
    actions_url: str = field(default_factory=lambda: os.environ.get("ACTIONS_URL", "http://127.0.0.1:5055"))
    backend_url: str = field(default_factory=lambda: os.environ.get("BACKEND_URL", "http://127.0.0.1:8100"))
    # The gateway's own credential for the backend (the backend's BACKEND_TOKENS names it "gateway").
    backend_token: str = field(default_factory=lambda: os.environ.get("BACKEND_TOKEN", ""))
    # Shared by the gateway replicas (rate limits); unset: each process keeps its own (a single machine).
    redis_url: str = field(default_factory=lambda: os.environ.get("REDIS_URL", ""))
    max_text_chars: int = field(default_factory=lambda: int(os.environ.get("MAX_TEXT_CHARS", "500")))
    engine_timeout_s: float = field(default_factory=lambda: float(os.environ.get("ENGINE_TIMEOUT_S", "30")))
    sandbox_mode: bool = field(default_factory=lambda: sandbox_mode(os.environ))

    def __post_init__(self) -> None:
        require_secrets(os.environ, CLUSTER_SECRETS, "gateway")
