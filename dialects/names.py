"""Names written in Tibetan or Uyghur script, from a message that is the name with a frame around it.

"ངའི་མིང་ལ་བཀྲ་ཤིས་བདེ་སྐྱིད་ཟེར།" → "བཀྲ་ཤིས་བདེ་སྐྱིད", "مېنىڭ ئىسمىم ئايگۈل مەمەت" → "ئايگۈل مەمەت". The frames are data
(dialects/data/name_frames.yml); the Chinese name on the ID card stays optional.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from dialects.scripts import ARABIC_LETTERS, TIBETAN_LETTERS

DATA_FILE = Path(__file__).resolve().parent / "data" / "name_frames.yml"
_EDGE_PUNCT = "།༎་ ،.,!?؟!？。，\t"
_TIBETAN_NAME = re.compile(f"^[{TIBETAN_LETTERS}]+(?:་[{TIBETAN_LETTERS}]+){{0,7}}$")
_UYGHUR_NAME = re.compile(f"^[{ARABIC_LETTERS}]+(?:[ ·-][{ARABIC_LETTERS}]+){{0,3}}$")


@lru_cache(maxsize=1)
def _frames() -> tuple[list[str], list[str]]:
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")) or {}
    before = [w for lang in data.values() for w in lang.get("before") or []]
    after = [w for lang in data.values() for w in lang.get("after") or []]
    return sorted(before, key=len, reverse=True), sorted(after, key=len, reverse=True)


def script_name(text: str) -> str | None:
    """The Tibetan- or Uyghur-script name in ``text`` (frame words removed), or None."""
    candidate = text.strip(_EDGE_PUNCT)
    before, after = _frames()
    for word in before:
        if candidate.startswith(word) and len(candidate) > len(word):
            candidate = candidate[len(word) :].strip(_EDGE_PUNCT)
            break
    for word in after:
        if candidate.endswith(word) and len(candidate) > len(word):
            candidate = candidate[: -len(word)].strip(_EDGE_PUNCT)
            break
    return candidate if _TIBETAN_NAME.match(candidate) or _UYGHUR_NAME.match(candidate) else None
