"""What the conversation knows before the user speaks, turned into decoding hints for Whisper.

Measured on account-opening utterances (benchmarks/asr_benchmark.py): a short list of the words the step
expects, given as Whisper's "previous text", lowers the character error rate a lot (同意 was heard as 红衣,
验证码 as 验重马); the same list on open speech makes Whisper stop early, so there is no prompt when no step
is known, and a prompted result that looks cut off is decoded again without it (whisper.py).

Digit strings are the weak spot: Whisper writes them as multi-digit tokens ("138-0088") and drops repeated
digits. In a step that expects a number, a second pass may only write the Chinese digit characters 零一二…九,
one token per spoken syllable; the candidates are then checked against what the step accepts (11-digit mobile,
6-digit code, GB 11643 ID check digit, Luhn card number).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from privacy.numbers import PHONE, is_valid_id_number, luhn_valid
from voice.speech import RecognitionContext

# Said at any step: keep them recognisable whatever the step prompt is.
# Items are joined with ASCII commas: the full-width '，' is three byte tokens, and Whisper copying it
# sometimes gets the last byte wrong ('４', '１' appeared in the middle of answers).
DETOURS = "转人工, 再说一遍, 慢一点"
_CONFIRM = "同意, 不同意, 确认, 是的, 对, 不对, 可以"
_CHOICE = "第一个, 第二个, 第三个, 第四个"
_BANKS = "工商银行, 农业银行, 中国银行, 建设银行, 交通银行, 招商银行, 邮储银行"
STEP_WORDS: dict[str, str] = {
    "phone": "手机号码",
    "sms_code": "验证码",
    "id_number": "身份证号码",
    "bank_card": f"银行卡号, {_BANKS}",
    "name": "我叫",
}
EXPECTS_WORDS: dict[str, str] = {"confirm": _CONFIRM, "choice": _CHOICE}
MAX_PROMPT_CHARS = 120  # Whisper's prompt is at most 223 tokens; keep it short so it cannot dominate


@dataclass(frozen=True)
class DigitAnswer:
    """What a number step accepts: its length range and its check (the backend validates again)."""

    min_len: int
    max_len: int
    check: Callable[[str], bool]

    def valid(self, digits: str) -> bool:
        return self.min_len <= len(digits) <= self.max_len and self.check(digits)

    def length_gap(self, digits: str) -> int:
        """How many digits are missing or extra (0 when the length is right)."""
        return max(self.min_len - len(digits), len(digits) - self.max_len, 0)


# Steps whose answer is a digit string.
DIGIT_STEPS: dict[str, DigitAnswer] = {
    "phone": DigitAnswer(11, 11, lambda d: PHONE.fullmatch(d) is not None),
    "sms_code": DigitAnswer(6, 6, str.isdigit),
    "id_number": DigitAnswer(18, 18, is_valid_id_number),
    "bank_card": DigitAnswer(16, 19, luhn_valid),
}
# The digit pass may write only these (one token each, or two byte tokens for 零/幺/洞/叉); 叉 is the ID's X.
DIGIT_CHARACTERS = "零一二三四五六七八九幺两洞叉。、"
# What people say before the number (我的手机号是…, 卡号…): kept as the digit pass's forced prefix.
_LEAD_IN = re.compile(r"^(.*(?:号码|号|码|是|为|：|:))")


def _family(step: str | None) -> str | None:
    """risk_q1 … risk_qN are one kind of step."""
    if step and re.fullmatch(r"risk_q\d*", step):
        return "risk_q"
    return step


def expects_digits(context: RecognitionContext) -> bool:
    """A value step that wants a number (not the read-back confirmation of the same step)."""
    return _family(context.step) in DIGIT_STEPS and context.expects in (None, "value")


def digit_answer(context: RecognitionContext) -> DigitAnswer | None:
    return DIGIT_STEPS.get(_family(context.step) or "") if expects_digits(context) else None


def prompt_for(context: RecognitionContext) -> str | None:
    """The vocabulary prompt for this step, or None when no step is known (open speech: no prompt)."""
    if not context.step or context.language not in (None, "zh", "yue"):
        return None
    words: list[str] = []
    if context.expects in EXPECTS_WORDS and not expects_digits(context):
        words.append(EXPECTS_WORDS[context.expects])
    step_words = STEP_WORDS.get(_family(context.step) or "")
    if step_words:
        words.append(step_words)
    words.extend(word.strip() for word in context.hotwords if word.strip())
    words.append(DETOURS)
    prompt = ", ".join(words)
    return prompt[:MAX_PROMPT_CHARS].rstrip(", ") + "。"


def lead_in(text: str) -> str:
    """Words before the first digits, up to the last lead-in word: '我的手机号是要38…' → '我的手机号是'.

    What follows the lead-in word may be a misheard first digit (幺 → 要): the digit pass decides it.
    """
    match = re.search(r"[0-9零一二三四五六七八九幺两洞]{3}", text)
    if not match:
        return ""
    found = _LEAD_IN.match(text[: match.start()])
    return found.group(1) if found else ""
