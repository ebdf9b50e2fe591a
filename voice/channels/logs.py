"""Channel logging: keypad digits, numbers and codes never reach a log in the clear.

Every channel module logs through `channel_logger`, whose `RedactDigits` filter masks stand-alone runs of
digits, so even a careless log call cannot write an ID, phone or card number or an SMS code.
"""

from __future__ import annotations

import logging
import re

# 4+ digits standing alone (codes, phone, ID and card numbers, an ID's final X included); digits inside an
# identifier such as a sender id "web-2024a" are left readable.
DIGIT_RUN = re.compile(r"(?<![A-Za-z0-9_.:@-])\d{4,}[Xx]?(?![A-Za-z0-9])")


def mask(digits: str) -> str:
    """What logs may show of keypad input: its length only."""
    return f"<{len(digits)} keys>"


class RedactDigits(logging.Filter):
    """Replaces stand-alone runs of 4+ digits in a record's rendered message (numbers, codes) with a mask."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if DIGIT_RUN.search(message):
            record.msg, record.args = DIGIT_RUN.sub(lambda m: mask(m.group()), message), None
        return True


def channel_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactDigits) for f in logger.filters):
        logger.addFilter(RedactDigits())
    return logger
