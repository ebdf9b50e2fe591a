"""Spoken and written Chinese numbers → ASCII digits, and answer choices → option numbers.

Why this exists: speech recognition and typing seniors give us phone, ID, card and SMS numbers
as "幺三八 幺二三四 五六七八", "１３８…" (full width) or "…七七七叉". Rasa's tokenizer and our
pattern extractor should see one plain ASCII digit run ("13812345678"), so the normaliser runs
before anything else reads the text.

The hard part is *not* damaging ordinary words: 一 and 两 are everyday words (我想开一个账户,
两个问题, 一下) and names end in digits (张三, 李四). So a run of spoken digit characters is only
converted when it has at least three of them (see ``_group_qualifies``), idioms made of digits
(三三两两, 一五一十) are left alone, and groups separated by spaces/dashes/commas are only glued
together when both look like chunks of one number (3–8 digits each, at most 19 in all), which is
how people read numbers out (3-4-4, 6-8-4, 4-4-4-4).

All functions are pure; ``normalize_with_spans`` also reports which source spans were rewritten so that
annotated entity offsets in training data can be moved onto the normalised text.
"""

from __future__ import annotations

import re

from dialects.chinese import to_simplified
from dialects.number_words import digit_words, ordinal_option, words_to_digits
from dialects.rewrites import Rewrite, apply_replacements, compose, map_offset  # noqa: F401  (re-exported)
from privacy.numbers import PHONE

SPOKEN_DIGITS: dict[str, str] = {
    "零": "0",
    "〇": "0",
    "○": "0",
    "洞": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "兩": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
# Digits written in other scripts are always numbers: full width, Tibetan ༠-༩, Arabic-Indic ٠-٩ and ۰-۹.
_FULLWIDTH_DIGITS = {chr(base + i): str(i) for base in (0xFF10, 0x0F20, 0x0660, 0x06F0) for i in range(10)}
_ASCII_DIGITS = {str(i): str(i) for i in range(10)}
_ALL_DIGITS: dict[str, str] = {**SPOKEN_DIGITS, **_FULLWIDTH_DIGITS, **_ASCII_DIGITS}

_DIGIT_CLASS = "[" + "".join(sorted(_ALL_DIGITS)) + "]"
# One separator inside a number read out in chunks: spaces, or a dash/comma with optional spaces around it.
_SEP = r"(?:[ \t\u3000]*[-‐‑–—－,，、،།][ \t\u3000]*|[ \t\u3000]+)"
_SEQUENCE_RE = re.compile(f"{_DIGIT_CLASS}+(?:{_SEP}{_DIGIT_CLASS}+)*")
_GROUP_RE = re.compile(f"{_DIGIT_CLASS}+")
# The check character of an ID read out or typed after 17 digits.
_X_SUFFIX_RE = re.compile(r"[ \t\u3000]*(?:[xXｘＸ叉]|[艾爱埃]克斯|ئىكس|ཨེག་སི)(?![A-Za-z])")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")

# Everyday expressions written with digit characters that must stay words.
IDIOMS: tuple[str, ...] = (
    "三三两两",
    "一五一十",
    "七七八八",
    "三七二十一",
    "九九八十一",
    "一一对应",
)
_MIN_SPOKEN_RUN = 3
_MIN_CHUNK, _MAX_CHUNK, _MAX_NUMBER = 3, 8, 19


def _group_qualifies(group: str) -> bool:
    """Whether a contiguous run of digit characters is a number rather than words.

    Pure ASCII/full-width runs are always numbers. A run with spoken digits needs ≥3 spoken digits (so 一个,
    两个, 李四 stay words), or ≥5 characters when mixed with written digits ("138幺2345678").
    """
    spoken = sum(ch in SPOKEN_DIGITS for ch in group)
    if spoken == 0:
        return True
    if spoken >= _MIN_SPOKEN_RUN:
        return True
    return len(group) >= 5 and spoken < len(group)


def _convert_group(group: str, qualifies: bool) -> str:
    """Digits of a qualifying group become ASCII; otherwise only full-width digits (never words) do."""
    if qualifies:
        return "".join(_ALL_DIGITS[ch] for ch in group)
    return "".join(_FULLWIDTH_DIGITS.get(ch, ch) for ch in group)


def _idiom_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for idiom in IDIOMS:
        start = text.find(idiom)
        while start != -1:
            spans.append((start, start + len(idiom)))
            start = text.find(idiom, start + 1)
    return spans


def _can_join(acc: str, last_chunk: str, nxt: str, sep: str) -> bool:
    """Glue ``nxt`` onto the number read so far only when both look like chunks of one number.

    Chunks are 3–8 digits (3-4-4 phones, 6-8-4 IDs, 4-4-4-4 cards); the total stays ≤ 19 (longest card);
    a complete mobile number is not extended (13812345678, 123456 is a phone and a code); and two years
    joined by a dash (2018-2023) stay a range.
    """
    if not (acc.isascii() and acc.isdigit() and nxt.isascii() and nxt.isdigit()):
        return False
    if not (_MIN_CHUNK <= len(last_chunk) <= _MAX_CHUNK and _MIN_CHUNK <= len(nxt) <= _MAX_CHUNK):
        return False
    if len(acc) + len(nxt) > _MAX_NUMBER:
        return False
    if PHONE.fullmatch(acc):
        return False
    stripped = sep.strip(" \t\u3000")
    return not (stripped and _YEAR_RE.fullmatch(last_chunk) and _YEAR_RE.fullmatch(nxt))


def _rewrite_sequence(
    text: str, match: re.Match[str], idioms: list[tuple[int, int]]
) -> list[tuple[int, int, str]]:
    """Normalise one digit sequence into (source start, source end, new text) pieces that tile it.

    A piece is one number (its groups and the separators glued away), one group left alone, or a kept
    separator; fine-grained pieces keep entity offsets next to a number (李四 幺三八…) exact.
    """
    base = match.start()
    raw = match.group(0)
    groups = list(_GROUP_RE.finditer(raw))
    in_idiom = any(s < match.end() and base < e for s, e in idioms)
    converted = [_convert_group(g.group(0), not in_idiom and _group_qualifies(g.group(0))) for g in groups]

    pieces: list[list] = [[base + groups[0].start(), base + groups[0].end(), converted[0]]]
    acc = converted[0]
    last_chunk = converted[0]
    for i in range(1, len(groups)):
        sep = raw[groups[i - 1].end() : groups[i].start()]
        nxt = converted[i]
        if _can_join(acc, last_chunk, nxt, sep):
            pieces[-1][1] = base + groups[i].end()
            pieces[-1][2] += nxt
            acc += nxt
        else:
            pieces.append([base + groups[i - 1].end(), base + groups[i].start(), sep])
            pieces.append([base + groups[i].start(), base + groups[i].end(), nxt])
            acc = nxt
        last_chunk = nxt

    if len(acc) == 17 and acc.isascii() and acc.isdigit():
        x = _X_SUFFIX_RE.match(text, match.end())
        if x:
            pieces[-1][1] = x.end()
            pieces[-1][2] += "X"
    return [(s, e, new) for s, e, new in pieces]


def normalize_with_spans(text: str) -> tuple[str, list[Rewrite]]:
    """Normalise spoken/written digit runs and report every rewritten span (see module docstring).

    Number words of other languages (Tibetan, Uyghur: dialects.number_words) become digits first.
    """
    if not text:
        return text, []
    text_with_digits, word_rewrites = words_to_digits(text)
    normalized, rewrites = _normalize_digit_characters(text_with_digits)
    return normalized, compose(word_rewrites, rewrites) if word_rewrites else rewrites


def _normalize_digit_characters(text: str) -> tuple[str, list[Rewrite]]:
    idioms = _idiom_spans(text)
    pieces: list[tuple[int, int, str]] = []
    pos = 0
    for match in _SEQUENCE_RE.finditer(text):
        if match.start() < pos:  # already consumed by an X suffix
            continue
        for piece in _rewrite_sequence(text, match, idioms):
            pieces.append(piece)
            pos = piece[1]
    return apply_replacements(text, pieces)


def normalize_spoken_digits(text: str) -> str:
    """Turn spoken/written Chinese digit runs into ASCII digits without touching ordinary words.

    '幺三八幺二三四五六七八' → '13812345678'; '138 1234 5678' → '13812345678'; '…七七七叉' → '…777X';
    '我想开一个账户' and '两个问题' are returned unchanged.
    """
    return normalize_with_spans(text)[0]


# ---------------------------------------------------------------------------------------------------------
# Answer choices (risk questionnaire: four options, 1–4 or A–D, ordered from lowest to highest risk).

_OPTION_VALUES = {
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "a": 1,
    "b": 2,
    "c": 3,
    "d": 4,
}
_FULLWIDTH_ASCII = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_PUNCT = r"[\s,，。.!！?？~～、:：;；…\"'“”‘’()（）\[\]【】]"
_FILLER = (
    r"(?:嗯+|呃+|额|啊|哦|噢|那个|那|好的|好吧|好|就|我|我想|我要|我觉得|我看|应该|可能|这个|然后|还是|麻烦)"
)
# Closing particles, the dialects' too (northeastern 呗 嗷, Sichuanese 噻 撒).
_TAIL = (
    r"(?:吧|啊|呀|哈|了|的|嘛|呢|哦|噢|啦|哇|囉|啰|喇|嘞|㗎|咯|呗|噻|撒|嗷|昂|哟|咧"
    r"|好了|就好|就行|即可|谢谢|吧我觉得|比较好|这个)"
)
_CHOOSE = r"(?:我的答案是|答案是|答案选|选的是|选择|选|挑|揀|拣|答案|是)"
_ANY = "[1-4A-Da-d一二三四]"
_SHORT_OPTION_RE = re.compile(
    rf"^(?:{_PUNCT}|{_FILLER})*"
    rf"(?:"
    rf"(?:{_CHOOSE})?第(?P<a>[1-4一二三四])(?:个选项|项选项|个答案|个|项|条|种|号)?"
    rf"|(?:{_CHOOSE})?选项(?P<b>{_ANY})"
    rf"|{_CHOOSE}(?P<c>{_ANY})(?:选项|项|号)?"
    rf"|(?P<d>[A-Da-d1-4])(?:选项|项)"
    rf"|(?P<e>{_ANY})"
    rf")(?:{_PUNCT}|{_TAIL})*$"
)
# Inside longer sentences only explicit forms count: 选B, 选项C, 第二个, 第三项.
_LONG_OPTION_RE = re.compile(
    r"(?:选择?|选项|选的是|答案是|揀|拣)\s*(?:第)?"
    r"(?P<x>[1-4A-Da-d](?![A-Za-z0-9股类级档])|[一二三四](?![个种下些份只家张点样位天年月次条股]))"
    r"|第(?P<y>[1-4一二三四])(?:个|项|种|条)"
)
SHORT_ANSWER_MAX = 8
_OPTION_CHARS = str.maketrans({**_FULLWIDTH_ASCII, **_FULLWIDTH_DIGITS})
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_LONE_CHOICE_RE = re.compile(r"(?<![A-Za-z0-9])[1-4A-Da-d](?![A-Za-z0-9])")
_ANY_DIGIT_RE = re.compile(r"\d")
# Words (Uyghur, Latin) or syllables (Tibetan): an ordinal only answers a choice in a short reply.
_WORD_RE = re.compile(r"[^\s་།༌،,.!?]+")
SHORT_ANSWER_WORDS = 5


def _option_in_other_script(text: str) -> tuple[int, int, int] | None:
    """Tibetan, Uyghur or Latin answers: an ordinal word (གཉིས་པ, ئىككىنچى) or one lone 1-4 / A-D."""
    found = ordinal_option(text)
    if found and len(_WORD_RE.findall(text)) <= SHORT_ANSWER_WORDS:  # "option two", not "step four of …"
        return found
    bare = _WORD_RE.findall(text)
    if len(bare) == 1 and digit_words().get(bare[0].lower()) in {"1", "2", "3", "4"}:  # a bare "بىر", "གཉིས"
        word = bare[0]
        return int(digit_words()[word.lower()]), text.index(word), text.index(word) + len(word)
    flat = text
    lone = _LONE_CHOICE_RE.findall(flat)
    if len(lone) == 1 and len(_ANY_DIGIT_RE.findall(flat)) <= 1:
        m = _LONE_CHOICE_RE.search(flat)
        assert m is not None
        return _OPTION_VALUES[m.group(0).lower()], m.start(), m.end()
    return None


def find_option(text: str) -> tuple[int, int, int] | None:
    """Answer choice in ``text`` as (option 1–4, start, end of the choice character), or None.

    Short answers (≤ 8 characters without spaces and punctuation) may be a bare '2', 'B', '二', 'B项', '选B',
    '第二个'. In longer sentences only explicit forms (选B, 选项C, 第二个) count, so "我想开一个账户" or
    "我选了A股" never become an answer.
    """
    if not text:
        return None
    # Same length throughout, so offsets stay valid: ASCII letters and digits, simplified characters (第二個).
    flat = to_simplified(text.translate(_OPTION_CHARS))
    if not _HAN_RE.search(flat):
        return _option_in_other_script(flat)
    core = re.sub(_PUNCT, "", flat)
    if 0 < len(core) <= SHORT_ANSWER_MAX:
        m = _SHORT_OPTION_RE.match(flat)
        if m:
            for name in "abcde":
                if m.group(name):
                    return _OPTION_VALUES[m.group(name).lower()], m.start(name), m.end(name)
    m = _LONG_OPTION_RE.search(flat)
    if m:
        name = "x" if m.group("x") else "y"
        return _OPTION_VALUES[m.group(name).lower()], m.start(name), m.end(name)
    return None


def option_from_text(text: str) -> int | None:
    """The answer choice (1–4) a user gave: '2', 'B', '选B', 'B项', '选项B', '第二个', '二' → 2; else None.

    Choices are 1-based because the questionnaire reads them out as 1–4 / A–D.
    """
    found = find_option(text)
    return found[0] if found else None
