"""Input clean-up shared by validators: full-width digits, spaces and dashes as people type or say them."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-_.·]+")


def digits_text(raw: str) -> str:
    """NFKC turns full-width '１３８' into '138'; separators people put between digit groups are dropped."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
