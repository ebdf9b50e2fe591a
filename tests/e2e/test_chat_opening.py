"""Opening an account in Mandarin through /api/chat, against the real running services."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import Conversation, luhn_card, resident_id, unique_phone

pytestmark = pytest.mark.e2e


def verify_phone(user: Conversation) -> None:
    user.say("你好,我想开个股票账户")
    assert user.state["step"] == "consent" and user.state["expects"] == "confirm"
    assert user.state["application_id"] and user.state["status"] == "in_progress"
    user.say("同意")
    assert user.state["step"] == "phone"
    phone = unique_phone()
    user.say(f"我的手机号是{phone}")
    assert user.state["step"] == "sms_code"
    assert f"{phone[:3]}****{phone[-4:]}" in user.text
    user.say(user.sms_code(phone))
    assert (user.state["stage"], user.state["step"]) == (2, "name")


def test_opens_an_account_end_to_end(client: httpx.Client) -> None:
    user = Conversation(client)
    verify_phone(user)

    id_number = resident_id("19850612")
    user.say(f"我叫王建国,身份证号{id_number}")  # two fields in one sentence
    assert user.state["step"] == "id_number" and user.state["expects"] == "confirm"
    assert "王建国" in user.text and "1985" in user.text and id_number not in user.text  # masked read-back
    user.say("对的")
    assert user.state["step"] == "liveness"
    user.say("好了")
    assert (user.state["stage"], user.state["step"], user.state["expects"]) == (3, "risk_q1", "choice")

    for answer in ["1", "A", "第一个", "1", "不能接受任何亏损"]:
        user.say(answer)
    assert user.state["risk_level"] == "C1"
    assert user.state["stage"] == 4 and user.state["step"] == "agreement"
    assert "最低" in user.text  # the lowest-category notice

    user.say("我同意")
    assert (user.state["stage"], user.state["step"]) == (5, "bank_card")
    card = luhn_card("622202")
    user.say(f"卡号是{card}")
    assert user.state["step"] == "review" and user.state["expects"] == "confirm"
    assert "工商银行" in user.text and card[-4:] in user.text and card not in user.text
    user.say("确认提交")

    assert user.state["status"] == "approved", user.text
    assert user.state["step"] == "done" and user.state["risk_level"] == "C1"
    assert "资金账号" in user.text
    assert user.turns <= 18


def test_minor_is_refused_politely(client: httpx.Client) -> None:
    user = Conversation(client)
    verify_phone(user)
    user.say("李小明")
    assert user.state["step"] == "id_number"
    user.say(resident_id("20120101"))
    assert user.state["status"] == "refused"
    assert "18" in user.text
    follow_up = user.say("你好")
    assert follow_up["messages"], "the conversation still answers after a refusal"


def test_wrong_check_digit_is_caught_and_corrected(client: httpx.Client) -> None:
    user = Conversation(client)
    verify_phone(user)
    user.say("我叫赵敏")
    user.say(resident_id("19900307", valid=False))
    assert "校验" in user.text
    assert user.state["step"] == "id_number" and user.state["expects"] == "value"
    user.say(resident_id("19900307"))
    assert user.state["expects"] == "confirm" and "1990" in user.text


def test_refused_consent_collects_nothing(client: httpx.Client) -> None:
    user = Conversation(client)
    user.say("我要开户")
    user.say("不同意")
    assert user.state["status"] == "refused"
    assert "营业部" in user.text or "转人工" in user.text


def test_bad_answers_get_a_clear_reask(client: httpx.Client) -> None:
    user = Conversation(client)
    user.say("我想开户")
    user.say("同意")
    user.say("12345")
    assert user.state["step"] == "phone" and "11位" in user.text
    phone = unique_phone()
    user.say(phone)
    code = user.sms_code(phone)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    user.say(wrong)
    assert user.state["step"] == "sms_code" and "再试" in user.text
    user.say("开户要收费吗")  # a question in the middle of a step
    assert "费用" in user.text and user.state["step"] == "sms_code"
    user.say(code)
    assert user.state["step"] == "name"


def test_detours_keep_the_place(client: httpx.Client) -> None:
    user = Conversation(client)
    user.say("我想开户")
    user.say("同意")
    user.say("再说一遍")
    assert user.state["step"] == "phone" and "手机号" in user.text
    user.say("我现在到哪一步了")
    assert "第1步" in user.text and user.state["step"] == "phone"
    user.say("转人工")
    assert "工单" in user.text and user.state["step"] == "phone"
    user.say("先暂停一下,我回头再弄")
    assert "保存" in user.text
    user.say("继续开户")
    assert user.state["step"] == "phone"


def test_resume_in_a_new_conversation_after_verifying_the_same_phone(client: httpx.Client) -> None:
    first = Conversation(client)
    phone = first.verify_phone()
    first.say(f"我叫周杰,身份证号{resident_id('19790118')}")
    first.say("对")
    first.say("好了")
    assert first.state["step"] == "risk_q1"
    first.say("我先忙,回头再弄")
    assert "保存" in first.text

    later = Conversation(client)  # another day, another device: a new conversation
    later.verify_phone(phone, opening=("继续开户", "同意"))
    assert "之前" in later.text
    assert later.state["application_id"] == first.state["application_id"]
    assert (later.state["stage"], later.state["step"]) == (3, "risk_q1")
