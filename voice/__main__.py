"""`python -m voice`: serve the gateway on GATEWAY_HOST:PORT (default 127.0.0.1:8000)."""

import logging
import os

import uvicorn

from voice.app import create_app

if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    uvicorn.run(
        create_app(),
        host=os.environ.get("GATEWAY_HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
    )
