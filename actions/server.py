"""`python -m actions.server`: rasa_sdk's action server with what a deployment needs around it.

- It listens on ACTIONS_HOST (127.0.0.1 unless a deployment says otherwise) and ACTIONS_PORT (5055).
- Every call except the health check must carry ACTIONS_TOKEN (`Authorization: Bearer …`, compared in constant
  time): only Rasa holds it (its endpoints file sends it), so nobody else can run an action, such as deleting
  an application, with a tracker they made up.
- Each call's conversation and message id key the backend calls the action makes (actions/backend_api.py), so
  a turn run twice after a crash changes nothing twice.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import backend_api
from service.environment import SettingError, require_secrets

log = logging.getLogger("actions.server")
OPEN_PATHS = {"/health"}


def authorized(request: Request, token: bytes) -> bool:
    given = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
    return hmac.compare_digest(given, token)


def build_app(token: str):  # noqa: ANN201 - a Sanic app
    app = create_app("actions", cors_origins=[])  # no browser calls the action server

    @app.middleware("request")
    async def check_caller(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if not authorized(request, token.encode()):
            return response.json({"error": "unauthorized", "message": "ACTIONS_TOKEN required"}, status=401)
        tracker = (request.json or {}).get("tracker") or {}
        backend_api.set_turn(
            tracker.get("sender_id"), (tracker.get("latest_message") or {}).get("message_id")
        )
        return None

    return app


# What a cluster must hand every action server replica (service/environment.py).
CLUSTER_SECRETS = ("ACTIONS_TOKEN", "BACKEND_TOKEN")


def main() -> int:
    try:
        require_secrets(os.environ, CLUSTER_SECRETS, "actions")
    except SettingError as exc:
        print(exc, file=sys.stderr)
        return 2
    token = os.environ.get("ACTIONS_TOKEN", "")
    if len(token) < 16:
        print(
            "actions: ACTIONS_TOKEN must be set (16+ characters): only Rasa may run actions", file=sys.stderr
        )
        return 2
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    host = os.environ.get("ACTIONS_HOST", "127.0.0.1")
    port = int(os.environ.get("ACTIONS_PORT", "5055"))
    log.info("action server on %s:%d", host, port)
    build_app(token).run(host, port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
