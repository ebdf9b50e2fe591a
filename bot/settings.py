"""The Rasa server's own settings, read from the environment in one place (scripts/serve.sh sets them)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseSettings

REPO_ROOT = Path(__file__).resolve().parent.parent


class BotSettings(BaseSettings):
    # The master key the conversation store's sealed slots derive their key from (the backend's data key);
    # sandbox mode without it shares the sandbox key file with the backend.
    backend_data_key: str | None = None
    backend_key_file: Path = Path("var/backend.key")
    sandbox_mode: bool = True

    def key_file(self) -> Path:
        path = self.backend_key_file
        return path if path.is_absolute() else REPO_ROOT / path
