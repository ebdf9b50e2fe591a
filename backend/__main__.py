"""`python -m backend`: serve the API with uvicorn on BACKEND_HOST:BACKEND_PORT (127.0.0.1:8100)."""

from __future__ import annotations

import sys

import uvicorn

from backend.app import create_app
from backend.config import ConfigError, Settings
from privacy.logs import uvicorn_log_config


def main() -> int:
    try:
        settings = Settings.from_env()
        config = uvicorn_log_config(settings.log_level)
        import logging.config

        logging.config.dictConfig(config)  # before create_app, so start-up warnings are filtered too
        app = create_app(settings)
    except ConfigError as exc:
        print(f"backend: configuration error: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        app, host=settings.host, port=settings.port, log_config=config, log_level=settings.log_level.lower()
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
