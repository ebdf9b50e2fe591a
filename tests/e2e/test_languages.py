"""Opening an account in Cantonese, Sichuanese (a senior), Tibetan and Uyghur through /api/chat.

Each persona writes the way such users do; every reply must come back in the user's language and script.
Runs against the real running services (see conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from dialects.chinese import simplified_only, traditional_only
from dialects.scripts import ARABIC, HAN, TIBETAN, count_scripts
from tests.e2e.helpers import Conversation, luhn_card, resident_id, unique_phone

pytestmark = pytest.mark.e2e

TIBETAN_DIGITS = str.maketrans("0123456789", "༠༡༢༣༤༥༦༧༨༩")
UYGHUR_DIGITS = ["نۆل", "بىر", "ئىككى", "ئۈچ", "تۆت", "بەش", "ئالتە", "يەتتە", "سەككىز", "توققۇز"]
CHINESE_DIGITS = "零幺二三四五六七八九"


def spoken(digits: str, words: list[str] | str, sep: str = "") -> str:
    return sep.join(words[int(d)] if d.isdigit() else d for d in digits)


@dataclass
class Persona:
    language: str
    channel: str
    birth: str
    region: str
    open: str
    consent: str
    phone: Callable[[str], str]
    name: str
    name_shown: str  # how the final check shows the name: as the user wrote it, in their script
    id_number: Callable[[str], str]
    confirm: str
    liveness_done: str
    risk_answers: list[str]
    risk_level: str
    sign: str
    card: Callable[[str], str]
    submit: str


def assert_in_language(text: str, language: str) -> None:
    """The reply is written in the persona's language and script (placeholder values may be Chinese)."""
    scripts = count_scripts(text)
    assert scripts, text
    if language == "bo":
        assert scripts[TIBETAN] > scripts[HAN], text
    elif language == "ug":
        assert scripts[ARABIC] > scripts[HAN], text
    elif language == "yue":
        assert traditional_only(text) > simplified_only(text), text
    else:
        assert traditional_only(text) <= simplified_only(text), text


def open_account(client: httpx.Client, persona: Persona) -> Conversation:
    user = Conversation(client, channel=persona.channel)

    def say(text: str) -> None:
        user.say(text)
        assert user.last["language"] == persona.language, (text, user.text)
        assert_in_language(user.text, persona.language)

    say(persona.open)
    assert user.state["step"] == "consent", user.text
    say(persona.consent)
    assert user.state["step"] == "phone", user.text
    phone = unique_phone()
    say(persona.phone(phone))
    assert user.state["step"] == "sms_code", user.text
    say(user.sms_code(phone))
    assert (user.state["stage"], user.state["step"]) == (2, "name"), user.text
    say(persona.name)
    assert user.state["step"] == "id_number", user.text
    id_number = resident_id(persona.birth, persona.region)
    say(persona.id_number(id_number))
    assert user.state["expects"] == "confirm", user.text
    # masked read-back (seniors hear it digit by digit: "0 6 1 2")
    assert id_number not in user.text and id_number[-4:] in user.text.replace(" ", "")
    say(persona.confirm)
    assert user.state["step"] == "liveness", user.text
    say(persona.liveness_done)
    assert user.state["step"] == "risk_q1", user.text
    for answer in persona.risk_answers:
        say(answer)
    assert user.state["risk_level"] == persona.risk_level, user.text
    assert (user.state["stage"], user.state["step"]) == (4, "agreement"), user.text
    say(persona.sign)
    assert (user.state["stage"], user.state["step"]) == (5, "bank_card"), user.text
    card = luhn_card("622202")
    say(persona.card(card))
    assert user.state["step"] == "review", user.text
    assert persona.name_shown in user.text, user.text
    say(persona.submit)
    assert user.state["status"] == "approved", user.text
    return user


CANTONESE = Persona(
    language="yue",
    channel="app",
    birth="19780315",
    region="440106",
    open="你好，我想開個戶口，唔該",
    consent="好，我同意",
    phone=lambda p: f"我手機號碼係 {p[:3]} {p[3:7]} {p[7:]}",
    name="我叫陳大文",
    name_shown="陳大文",
    id_number=lambda n: f"身份證號碼係{n}",
    confirm="啱，冇錯",
    liveness_done="搞掂",
    risk_answers=["B", "揀B", "第二個", "2", "B"],
    risk_level="C2",
    sign="我同意，簽啦",
    card=lambda c: f"張卡嘅號碼係{c}",
    submit="冇問題，幫我提交",
)

SICHUANESE_SENIOR = Persona(
    language="zh",
    channel="senior",
    birth="19530826",
    region="510107",
    open="喂，我想开个户，要得不",
    consent="要得，我同意",
    phone=lambda p: f"我的电话是{spoken(p, CHINESE_DIGITS)}",
    name="我叫李桂兰",
    name_shown="李桂兰",
    id_number=lambda n: f"身份证号是{spoken(n, '零一二三四五六七八九')}",
    confirm="对头，莫得问题",
    liveness_done="弄好了",
    risk_answers=["1", "A", "第一个噻", "选A嘛", "一分钱都亏不得，选A"],
    risk_level="C1",
    sign="要得，我同意",
    card=lambda c: f"卡号是{c}",
    submit="莫得问题，提交嘛",
)

NORTHEASTERN = Persona(
    language="zh",
    channel="app",
    birth="19900709",
    region="210102",
    open="你好，俺想整个炒股的账户，咋整啊",
    consent="嗯呐，同意",
    phone=lambda p: f"俺手机号{p}",
    name="俺叫孟庆山",
    name_shown="孟庆山",
    id_number=lambda n: f"身份证号{n}",
    confirm="对，没毛病",
    liveness_done="整完了",
    risk_answers=["B", "第二个", "2", "B呗", "B"],
    risk_level="C2",
    sign="行，俺同意，签吧",
    card=lambda c: f"卡号{c}",
    submit="嗯呐，提交吧",
)

TIBETAN_USER = Persona(
    language="bo",
    channel="app",
    birth="19800101",
    region="540102",
    open="བཀྲ་ཤིས་བདེ་ལེགས། ང་ཚོང་རྐང་གི་རྩིས་ཐོ་ཞིག་ཁ་ཕྱེ་འདོད།",
    consent="ལགས། ང་མོས་མཐུན་ཡིན།",
    phone=lambda p: f"ངའི་ཁ་པར་ཨང་གྲངས་ {p.translate(TIBETAN_DIGITS)}",
    name="ངའི་མིང་ལ་བཀྲ་ཤིས་བདེ་སྐྱིད་ཟེར།",  # no Chinese name: it is optional
    name_shown="བཀྲ་ཤིས་བདེ་སྐྱིད",
    id_number=lambda n: f"ཐོབ་ཐང་ལག་ཁྱེར་ཨང་གྲངས་ {n.translate(TIBETAN_DIGITS)}",
    confirm="ལགས་ཡིན། ཡང་དག་རེད།",
    liveness_done="ཚར་སོང་།",
    risk_answers=["༡", "A", "དང་པོ།", "འདེམས་ཀ་དང་པོ།", "1"],
    risk_level="C1",
    sign="གྲོས་མཐུན་ལ་ཁས་ལེན་གྱི་ཡིན།",
    card=lambda c: f"དངུལ་ཁང་ཁཱ་ཨང་གྲངས་ {c}",
    submit="ལགས། ཡང་དག་རེད།",
)

UYGHUR = Persona(
    language="ug",
    channel="app",
    birth="19850612",
    region="650102",
    open="ياخشىمۇسىز، مەن پاي ھېساباتى ئاچماقچىمەن",
    consent="ماقۇل، قوشۇلىمەن",
    phone=lambda p: f"يانفون نومۇرۇم {spoken(p, UYGHUR_DIGITS, ' ')}",
    # with the Chinese name on the ID card too: both are kept, and the language stays Uyghur
    name="مېنىڭ ئىسمىم ئايگۈل مەمەت، خەنزۇچە ئىسمىم 阿依古丽·麦麦提",
    name_shown="ئايگۈل مەمەت 阿依古丽·麦麦提",
    id_number=lambda n: f"كىملىك نومۇرۇم {n}",
    confirm="ھەئە، توغرا",
    liveness_done="بولدى",
    risk_answers=["ئىككىنچىسى", "B", "2", "B نى تاللايمەن", "ئىككىنچى"],
    risk_level="C2",
    sign="قوشۇلىمەن",
    card=lambda c: f"بانكا كارتا نومۇرۇم {c}",
    submit="ھەئە، يوللاڭ",
)


def test_a_cantonese_user_opens_an_account_in_cantonese(client: httpx.Client) -> None:
    open_account(client, CANTONESE)


def test_a_sichuanese_senior_opens_an_account(client: httpx.Client) -> None:
    user = open_account(client, SICHUANESE_SENIOR)
    assert user.last["senior_mode"] is True
    assert user.state["risk_level"] == "C1"


def test_a_northeastern_user_opens_an_account(client: httpx.Client) -> None:
    open_account(client, NORTHEASTERN)


def test_a_tibetan_user_opens_an_account_in_tibetan(client: httpx.Client) -> None:
    open_account(client, TIBETAN_USER)


def test_a_uyghur_user_opens_an_account_in_uyghur(client: httpx.Client) -> None:
    open_account(client, UYGHUR)


def test_the_user_can_switch_language_mid_conversation(client: httpx.Client) -> None:
    user = Conversation(client)
    user.say("我想开户")
    assert user.last["language"] == "zh"
    user.say("我聽唔明，可唔可以講廣東話")
    assert user.last["language"] == "yue"
    assert_in_language(user.text, "yue")
    assert user.state["step"] == "consent"  # the place in the flow is kept
    user.say("好")  # neutral: stays Cantonese
    assert user.last["language"] == "yue"


def test_read_backs_questionnaire_and_agreements_follow_a_switch(client: httpx.Client) -> None:
    """Asking for another language at any step: acknowledged, the same question again in the new language,
    and never read as the step's answer or as a senior asking to repeat."""
    user = Conversation(client)

    def switch(request: str, language: str, step: str) -> None:
        user.say(request)
        assert (user.last["language"], user.state["step"]) == (language, step), user.text
        assert_in_language(user.text, language)
        assert user.last["senior_mode"] is False, user.text

    user.verify_phone()
    user.say("我叫王建华")
    id_number = resident_id("19850612", "110101")
    user.say(id_number)
    assert user.state["expects"] == "confirm", user.text
    switch("说维语", "ug", "id_number")  # the masked read-back, in Uyghur
    assert id_number[-4:] in user.text and id_number not in user.text
    user.say("ھەئە، توغرا")
    assert user.state["step"] == "liveness", user.text
    user.say("بولدى")
    assert user.state["step"] == "risk_q1", user.text
    switch("讲广东话", "yue", "risk_q1")  # the questionnaire, in Cantonese
    assert "投資" in user.text, user.text
    for answer in ["B", "B", "B", "B", "B"]:
        user.say(answer)
    assert (user.state["step"], user.state["risk_level"]) == ("agreement", "C2"), user.text
    switch("说藏语", "bo", "agreement")  # the agreement summary, in Tibetan
    switch("说普通话", "zh", "agreement")
    assert "证券交易委托代理协议" in user.text, user.text
    user.say("我同意签署")
    user.say(luhn_card("622202"))
    assert user.state["step"] == "review", user.text
    switch("讲粤语", "yue", "review")  # the final check and its read-backs, in Cantonese
    assert "王建华" in user.text and id_number[-4:] in user.text, user.text
    user.say("冇問題，提交")
    assert user.state["status"] == "approved", user.text


@pytest.mark.parametrize(
    ("text", "language", "dialect", "decisive"),
    [
        ("我想開個戶口,唔該", "yue", "cantonese", True),
        ("你嘎哈呢", "zh", "northeastern", True),
        ("ང་ཚོང་རྐང་གི་རྩིས་ཐོ་ཞིག་ཁ་ཕྱེ་འདོད།", "bo", None, True),
        ("مەن پاي ھېساباتى ئاچماقچىمەن", "ug", None, True),
        ("好", "zh", None, False),
    ],
)
def test_parse_reports_language_and_dialect(
    client: httpx.Client, text: str, language: str, dialect: str | None, decisive: bool
) -> None:
    response = client.post("/api/nlu/parse", json={"text": text})
    assert response.status_code == 200, response.text
    parsed = response.json()
    found = (parsed["language"], parsed["dialect"], parsed["language_decisive"])
    assert found == (language, dialect, decisive)
    assert all(e["entity"] != "language" for e in parsed["entities"])
