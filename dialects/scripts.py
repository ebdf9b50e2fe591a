"""Which writing system each character belongs to: the first and most reliable language signal.

langdetect knows neither Tibetan nor Uyghur, but their scripts give them away: Tibetan has its own Unicode
block, and in this product Arabic-script text is Uyghur (its own letters ې ۆ ۈ ۇ ڭ ھ ئ confirm it).
"""

from __future__ import annotations

import re
from collections import Counter

TIBETAN = "bo"
ARABIC = "arabic"
HAN = "han"
LATIN = "latin"

TIBETAN_LETTERS = "\u0f40-\u0fbc"  # consonants, vowel signs and subjoined letters (not digits or marks)
# Letters only: the Arabic comma ، and question mark ؟ and the digits ٠-٩ ۰-۹ are not part of words.
ARABIC_LETTERS = (
    "\u0620-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06e5\u06e6\u06ee\u06ef\u06fa-\u06fc\u06ff"
    "\u0750-\u077f\ufb50-\ufd3d\ufe70-\ufefc"
)
HAN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
UYGHUR_SPECIFIC = "ېۆۈۇڭھئ"

_CLASSES = (
    # Tibetan digits ༠-༩ count as Tibetan: "身份证 ༥༤༠…" comes from a Tibetan keyboard.
    (TIBETAN, re.compile(f"[{TIBETAN_LETTERS}\u0f20-\u0f29]")),
    (ARABIC, re.compile(f"[{ARABIC_LETTERS}]")),
    (HAN, re.compile(f"[{HAN_CHARS}]")),
    (LATIN, re.compile(r"[A-Za-zÀ-ɏ]")),
)


def script_of(char: str) -> str | None:
    """The script of one character, or None for digits, spaces, punctuation and symbols."""
    for script, pattern in _CLASSES:
        if pattern.match(char):
            return script
    return None


def count_scripts(text: str) -> Counter[str]:
    """Letters per script in ``text`` (digits and punctuation are not counted)."""
    return Counter(script for script in map(script_of, text) if script)
