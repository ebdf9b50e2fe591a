"""Pulling values out of what the user actually said (after spoken digits became digits)."""

from __future__ import annotations

import re

from dialects.chinese import to_simplified
from dialects.names import script_name
from dialects.numbers import normalize_spoken_digits, option_from_text
from privacy import numbers

_HAN = re.compile(r"[\u4e00-\u9fff]")
_NAME_PREFIX = re.compile(r"^(?:我的?(?:名字|姓名)?(?:是|叫|为)|(?:名字|姓名)(?:是|叫|为|:|:)?|我叫|本人|叫)")
_HAN_PART = r"[\u4e00-\u9fff]{1,10}"
# Han names: up to 8 characters, or the dotted names of many minorities (热依汗古丽·艾买提), up to 4 parts.
_DOTTED_NAME = rf"{_HAN_PART}(?:·{_HAN_PART}){{1,3}}"
_HAN_NAME = rf"{_DOTTED_NAME}|[\u4e00-\u9fff]{{2,8}}"
_NAME_IN_SENTENCE = re.compile(rf"(?:我叫|名字是|名字叫|姓名是|姓名|我是)\s*({_HAN_NAME})")
# "我叫孟庆山" as a whole clause: the name is everything after the frame (2–4 characters, or dotted).
_WHOLE_CLAUSE_NAME = re.compile(
    r"(?:(?:我的?)?(?:名字|姓名)(?:是|叫|:|：)?|我叫|我是)\s*"
    rf"({_DOTTED_NAME}|[\u4e00-\u9fff]{{2,4}}?)"
    r"(?:[啊呀吧呢哈嘛]|$)"
)
_NAME_OK = re.compile(rf"^(?:{_HAN_NAME}|[\u4e00-\u9fff]{{2,12}})$|^[A-Za-z][A-Za-z .'-]{{1,40}}$")
_DOTS = str.maketrans("•・．", "···")
_CLAUSE_BREAK = re.compile(r"[،,，。;；!?！？؟\n]|།")
_FILLER = re.compile(r"[\s,。,.!!??、\"“”'‘’]|^(?:嗯|呃|那个|好的)+")


def digit_runs(text: str) -> list[str]:
    """The numbers in an answer. A slot filled from the whole message holds the user's own words (Rasa keeps
    the raw text there), so spoken digits are turned into digits here as the NLU does."""
    return numbers.digit_runs(normalize_spoken_digits(text))


def _find(kind: str, text: str) -> str | None:
    return numbers.find(kind, normalize_spoken_digits(text))


def find_id_number(text: str) -> str | None:
    return _find("id_number", text)


def find_phone(text: str) -> str | None:
    return _find("phone", text)


def find_sms_code(text: str) -> str | None:
    return _find("sms_code", text)


def find_card(text: str) -> str | None:
    return _find("card", text)


def clean_name(text: str) -> str | None:
    """A name from "张三", "我叫张三", "我叫张三,身份证号…" or a Tibetan/Uyghur-script name with its frame
    ("ངའི་མིང་ལ་བཀྲ་ཤིས་ཟེར།"); None when there is no plausible name."""
    if not _HAN.search(text):
        found_in_script = script_name(text)
        if found_in_script:
            return found_in_script
    found = _NAME_IN_SENTENCE.search(text)
    candidate = found.group(1) if found else _FILLER.sub("", text)
    candidate = _NAME_PREFIX.sub("", candidate)
    return candidate if _NAME_OK.match(candidate) else None


def _chinese_name(said: str, tagged: list[str]) -> str | None:
    """The Han name the NLU tagged, dotted parts joined again ("阿依古丽" + "麦麦提" → "阿依古丽·麦麦提")."""
    pieces = [t for t in dict.fromkeys(tagged) if _HAN.search(t)]
    text = said.translate(_DOTS)
    for name in pieces:
        while joined := next((j for p in pieces for j in (f"{name}·{p}", f"{p}·{name}") if j in text), None):
            name = joined
        # a part left untagged next to a '·' still belongs to the name ("我叫" before it is cleaned off)
        if around := re.search(rf"(?:{_HAN_PART}·)*{re.escape(name)}(?:·{_HAN_PART})*", text):
            name = around.group(0)
        if found := clean_name(name):
            return found
    return None


def _script_name_around(text: str, part: str) -> str | None:
    """The Tibetan/Uyghur-script name around ``part``: its clause without the "my name is" frame."""
    for clause in _CLAUSE_BREAK.split(text):
        if part in clause:
            framed = script_name(clause)
            if framed and part in framed:
                return framed
    return script_name(part)


def _whole_han_name(tagged: str, understood: str, said: str) -> str:
    """DIET sometimes tags a name short of its last character ("孟庆" of "俺叫孟庆山"): when a clause is just
    "my name is" and the name, the whole name after the frame, in the characters the user wrote."""
    for clause in _CLAUSE_BREAK.split(understood):
        found = _WHOLE_CLAUSE_NAME.fullmatch(clause.strip())
        if not found or not found.group(1).startswith(to_simplified(tagged.split("·")[0])):
            continue
        whole = found.group(1)
        # back to the characters the user wrote (traditional ones, say)
        for start in range(len(said) - len(whole) + 1):
            if to_simplified(said[start : start + len(whole)]) == whole:
                return said[start : start + len(whole)]
        return whole
    return tagged


def name_from_message(tagged: list[str], understood: str, said: str) -> str | None:
    """The user's name from the pieces the NLU tagged (best first), the normalised text and the raw text.

    A Tibetan or Uyghur name given together with the Chinese name on the ID card ("مېنىڭ ئىسمىم ئايگۈل مەمەت،
    خەنزۇچە ئىسمىم 阿依古丽·麦麦提") keeps both, the user's own script first; either alone is enough.
    """
    script = next(
        (n for n in (_script_name_around(said, t) for t in tagged if not _HAN.search(t)) if n), None
    )
    chinese = _chinese_name(said, tagged)
    if script and chinese:
        return f"{script} {chinese}"
    if chinese:
        chinese = _whole_han_name(chinese, understood, said)
    name = chinese or next((found for found in map(clean_name, [*tagged, understood]) if found), None)
    # Tibetan/Uyghur names are often tagged only in part (བསྟན་འཛིན of བསྟན་འཛིན་ནོར་བུ): the whole name
    # around the tagged part, once the "my name is …" frame is gone, is the better answer.
    framed = script_name(said)
    if framed and name and name in framed:
        return framed
    return name


def option_answer(text: str, options: list[str]) -> int | None:
    """1-based option from a number/letter, or from the option's own words (the longest overlap)."""
    chosen = option_from_text(text)
    if chosen:
        return chosen
    compact = _FILLER.sub("", text)
    if not compact:
        return None
    bodies = [re.sub(r"^[A-D1-4][.、. ]\s*", "", option) for option in options]
    for index, body in enumerate(bodies, start=1):
        if compact in body or body in compact:
            return index
    if digit_runs(compact):
        return None  # digits that are not an option number are not an answer by words
    best, best_score = None, 0.0
    for index, body in enumerate(bodies, start=1):
        words = set(_HAN.findall(body))
        overlap = len(set(_HAN.findall(compact)) & words) / max(len(words), 1)
        if overlap > best_score:
            best, best_score = index, overlap
    return best if best_score >= 0.6 else None
