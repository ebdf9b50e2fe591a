"""`python -m gateway`: serve the gateway on GATEWAY_HOST:PORT (default 127.0.0.1:8000)."""

import logging
import os

import uvicorn

from gateway.app import create_app
from privacy.logs import install_redaction, uvicorn_log_config

if __name__ == "__main__":
    level = os.environ.get("LOG_LEVEL", "INFO")
    logging.basicConfig(level=level)
    install_redaction()  # numbers never reach the log in the clear, whoever logs them
    uvicorn.run(
        create_app(),
        host=os.environ.get("GATEWAY_HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        log_level=level.lower(),
        log_config=uvicorn_log_config(level),  # its access log prints paths such as /api/sandbox/sms/<phone>
    )
