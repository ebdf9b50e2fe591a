"""Logging that cannot leak personal numbers: every record passes through `redact` before output.

Services log masked values themselves; this filter is the safety net for everything else (uvicorn's access
log prints request paths such as /sandbox/sms/13800138000, libraries print arguments, ...).
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from privacy.numbers import redact, redact_digits


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Clean the arguments one by one: formatters such as uvicorn's access log unpack record.args.
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _clean(value) for key, value in record.args.items()}
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:  # e.g. a number passed as an int: flatten the record as the last resort
            record.msg, record.args = cleaned, None
        return True


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) >= 11:
        return redact(str(value))
    return value


def uvicorn_log_config(level: str = "INFO", logger: str = "backend") -> dict[str, Any]:
    """uvicorn's own config plus the redaction filter on every handler and a handler for the service's own
    loggers (`logger.*`)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "privacy.logs.RedactFilter"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["loggers"][logger] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    # An HTTP client's line per request names the URL it called: noise on every turn, and a URL is where
    # a careless credential or number would sit. Its warnings and errors still show.
    for client in ("httpx", "httpcore"):
        config["loggers"][client] = {"level": "WARNING"}
    return config


def install_redaction(logger: logging.Logger | None = None) -> None:
    """For processes not started through uvicorn (CLIs, tests): filter the handlers of `logger` (root)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactFilter) for f in handler.filters):
            handler.addFilter(RedactFilter())


class DigitsFilter(logging.Filter):
    """Stricter, for the loggers of code that handles keypad input and digit answers (the voice channels):
    every stand-alone run of 4+ digits in a record becomes its length only, "<11 keys>", so even a careless
    log call cannot write an ID, phone or card number or an SMS code."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_digits(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def digits_logger(name: str) -> logging.Logger:
    """The logger `name` with DigitsFilter on it."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, DigitsFilter) for f in logger.filters):
        logger.addFilter(DigitsFilter())
    return logger
