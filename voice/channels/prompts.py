"""The few things only a voice channel says (nothing was heard, keypad hints, are you still there).

Everything else the user hears comes from Rasa's responses in the conversation's language. These belong to
the channel, not the dialogue: Rasa never sees the turns they answer (a garbled recording is not a message).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.replies import load_reply_files

DOMAIN_DETOURS = Path(__file__).resolve().parents[2] / "bot" / "domain" / "detours.yml"

PROMPTS: dict[str, dict[str, str]] = {
    # The transcript was rejected (silence, noise, a repetition loop): Rasa then re-asks its question.
    "not_heard": {
        "zh": "抱歉,刚才没听清楚,请再说一遍。",
        "yue": "唔好意思,啱先聽唔清楚,請再講一次。",
        "bo": "དགོངས་དག ཁྱེད་ཀྱི་གསུང་སྐད་གསལ་པོ་གོ་མ་སོང་། ཡང་བསྐྱར་གསུང་རོགས།",
        "ug": "كەچۈرۈڭ، ئاۋازىڭىزنى ئېنىق ئاڭلىيالمىدىم. يەنە بىر قېتىم دەپ بېرەمسىز؟",
        "en": "Sorry, I didn't catch that. Please say it again.",
    },
    # No speech recogniser for the conversation's language (Uyghur without an MMS model).
    "no_voice_input": {
        "zh": "抱歉,暂时还听不懂这种语言的语音。请用文字输入;打电话的话,也可以用电话按键输入。",
        "yue": "唔好意思,暫時仲聽唔明呢種語言嘅語音。請用文字輸入;打電話嘅話,亦可以用電話按鍵輸入。",
        "bo": "དགོངས་དག ད་ལྟ་སྐད་འདིའི་གསུང་སྐད་ངོས་འཛིན་བྱེད་མི་ཐུབ། ཡི་གེ་བྲིས་ནས་གཏོང་རོགས། ཁ་པར་ནང་ཨང་གྲངས་མཐེབ་གནོན་བྱས་ཀྱང་ཆོག",
        "ug": "كەچۈرۈڭ، ھازىرچە ئۇيغۇرچە ئاۋازنى تونۇيالمايمەن. جاۋابىڭىزنى يېزىپ ئەۋەتىڭ؛ "
        "تېلېفوندا نومۇر كۇنۇپكىلىرى بىلەن كىرگۈزسىڭىزمۇ بولىدۇ.",
        "en": "Sorry, I can't understand speech in this language yet. Please type your answer; "
        "on the phone you can also use the keypad.",
    },
    # Hotline: a number is asked for; keys are more reliable than spoken digits.
    "keypad_hint": {
        "zh": "也可以用电话按键输入,输完请按井号键;身份证号最后的X请按星号键。",
        "yue": "你亦可以用電話按鍵輸入,輸入完請撳井號鍵;身份證最後嘅X請撳星號鍵。",
        "bo": "ཁ་པར་གྱི་ཨང་གྲངས་མཐེབ་གནོན་ནས་འཇུག་ཀྱང་ཆོག ཚར་རྗེས་ # མཐེབ་གནོན་རོགས། X ཡིན་ན་ * མཐེབ་གནོན་རོགས།",
        "ug": "تېلېفون كۇنۇپكىلىرى بىلەن كىرگۈزسىڭىزمۇ بولىدۇ، تۈگىگەندىن كېيىن # كۇنۇپكىسىنى بېسىڭ؛ "
        "كىملىك نومۇرىدىكى X ئۈچۈن * كۇنۇپكىسىنى بېسىڭ.",
        "en": "You can also use the keypad and press hash when done; for an X in an ID number press star.",
    },
    "confirm_keys": {
        "zh": "对的请按1,不对请按2。",
        "yue": "啱嘅請撳1,唔啱請撳2。",
        "bo": "ཡང་དག་ཡིན་ན་ 1 མཐེབ་གནོན་རོགས། ནོར་ན་ 2 མཐེབ་གནོན་རོགས།",
        "ug": "توغرا بولسا 1 نى، خاتا بولسا 2 نى بېسىڭ.",
        "en": "Press 1 if this is right, 2 if not.",
    },
    "choice_keys": {
        "zh": "也可以直接按选项对应的数字键。",
        "yue": "亦可以直接撳選項對應嘅數字鍵。",
        "bo": "གདམ་ག་དེའི་ཨང་གྲངས་མཐེབ་གནོན་བྱས་ཀྱང་ཆོག",
        "ug": "تاللاشنىڭ نومۇرىنى بېسىپ تاللىسىڭىزمۇ بولىدۇ.",
        "en": "You can also press the number of your choice.",
    },
    # Hotline: the caller said nothing for a while.
    "still_there": {
        "zh": "您还在吗?",
        "yue": "你仲喺度嗎?",
        "bo": "ཁྱེད་རང་ད་དུང་བཞུགས་ཡོད་དམ།",
        "ug": "ئاڭلاۋاتامسىز؟",
        "en": "Are you still there?",
    },
    "silence_goodbye": {
        "zh": "很久没有听到您的声音,您的进度已经保存,再见。",
        "yue": "好耐冇聽到你嘅聲音,你嘅進度已經儲存咗,再見。",
        "bo": "ཁྱེད་ཀྱི་གསུང་ཐོས་མ་སོང་། ཁྱེད་རང་གི་གོ་རིམ་ཉར་ཚགས་བྱས་ཟིན། ག་ལེར་ཕེབས།",
        "ug": "ئاۋازىڭىزنى ئاڭلىيالمىدىم. ئىش جەريانىڭىز ساقلاندى، خەير.",
        "en": "I haven't heard from you for a while. Your progress is saved. Goodbye.",
    },
}


def prompt(key: str, language: str | None) -> str:
    texts = PROMPTS[key]
    return texts.get(language or "zh") or texts["zh"]


@lru_cache(maxsize=1)
def repeat_texts() -> frozenset[str]:
    """Rasa's "OK, I'll say it again" (utter_repeat) in every language: after `not_heard` it is redundant."""
    domain = yaml.safe_load(DOMAIN_DETOURS.read_text(encoding="utf-8")) or {}
    variants = list((domain.get("responses") or {}).get("utter_repeat") or [])
    for reply_file in load_reply_files().values():
        variants += reply_file.responses.get("utter_repeat") or []
    return frozenset(str(v.get("text")) for v in variants if v.get("text"))
