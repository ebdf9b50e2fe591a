"""Senior mode through /api/chat, against the real running services: what switches it on and off, what a
senior hears (one question per turn, numbers read back digit by digit), the help offered after two failed
attempts (a video-witness appointment booked on the backend), and that seniors go through every step
a non-senior does."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import Conversation, backend_as, luhn_card, resident_id, unique_phone

pytestmark = pytest.mark.e2e

QUESTION = re.compile("[?\uff1f]")
CHINESE_DIGITS = "零幺二三四五六七八九"
VIDEO_PAYLOAD = '/request_human{"option": "video"}'


def spaced(digits: str) -> str:
    return " ".join(digits)


class Recorder(Conversation):
    """A conversation that records the steps the user went through and checks every turn asks once."""

    def __init__(self, client: httpx.Client, channel: str = "app", senior: bool = False) -> None:
        super().__init__(client, channel)
        self.senior = senior
        self.steps: list[tuple[int, str, str | None]] = []

    def say(self, text: str) -> dict:
        answer = super().say(text)
        step = (self.state["stage"], self.state["step"], self.state["expects"])
        if not self.steps or self.steps[-1] != step:
            self.steps.append(step)
        if self.senior:
            assert answer["senior_mode"] is True, (text, self.text)
            assert len(QUESTION.findall(self.text)) <= 1, (text, self.text)  # one question per turn
        return answer


def open_plainly(client: httpx.Client) -> Recorder:
    """A young Mandarin user on the app, one field per turn."""
    user = Recorder(client)
    user.verify_phone()
    user.say("我叫王建国")
    user.say(resident_id("19850612"))
    user.say("对的")
    user.say("好了")
    for answer in ["1", "A", "第一个", "1", "不能接受任何亏损"]:
        user.say(answer)
    user.say("我同意")
    user.say(f"卡号是{luhn_card('622202')}")
    user.say("确认提交")
    assert user.state["status"] == "approved" and user.last["senior_mode"] is False, user.text
    return user


def test_a_sichuanese_senior_opens_an_account_asking_to_repeat_and_slow_down(
    client: httpx.Client, services_dir: Path | None
) -> None:
    user = Recorder(client, channel="senior", senior=True)
    user.say("喂,我想开个户,要得不")
    assert user.state["step"] == "consent" and user.state["expects"] == "confirm"
    user.say("你说的啥子哦,再说一遍嘛")
    assert user.state["step"] == "consent", user.text
    user.say("要得,我同意")
    assert user.state["step"] == "phone", user.text
    user.say("你说得太快了,慢点儿说嘛")
    assert user.state["step"] == "phone", user.text
    phone = unique_phone()
    user.say("我的电话是" + "".join(CHINESE_DIGITS[int(d)] for d in phone))
    assert user.state["step"] == "sms_code", user.text
    assert spaced(phone[-4:]) in user.text and phone[-4:] not in user.text  # read back digit by digit
    user.say(user.sms_code(phone))
    user.say("我叫李桂兰")
    assert user.state["step"] == "id_number", user.text
    id_number = resident_id("19530826", "510107")
    user.say("身份证号是" + "".join("零一二三四五六七八九"[int(d)] if d.isdigit() else d for d in id_number))
    assert user.state["expects"] == "confirm", user.text
    assert spaced(id_number[-4:]) in user.text
    assert id_number not in user.text.replace(" ", "").replace(",", "").replace("，", "")
    user.say("对头,莫得问题")
    user.say("弄好了")
    assert user.state["step"] == "risk_q1", user.text
    for answer in ["1", "A", "第一个噻", "选A嘛", "一分钱都亏不得,选A"]:
        user.say(answer)
    assert user.state["risk_level"] == "C1", user.text
    # Signing is irreversible: a yes/no question first.
    assert (user.state["step"], user.state["expects"]) == ("agreement", "confirm"), user.text
    user.say("要得,我同意")
    card = luhn_card("622202")
    user.say(f"卡号是{card}")
    assert (user.state["step"], user.state["expects"]) == ("review", "confirm"), user.text
    assert spaced(card[-4:]) in user.text and spaced(phone[-4:]) in user.text
    user.say("莫得问题,提交嘛")
    assert user.state["status"] == "approved", user.text
    assert user.last["senior_mode"] is True and user.state["risk_level"] == "C1"

    # Senior mode never lowers compliance: the same steps, in the same order, as a non-senior.
    plain = open_plainly(client)
    assert user.steps == plain.steps
    http = backend_as(services_dir)
    if http is not None:
        for who in (user, plain):
            record = http.get(f"/applications/{who.state['application_id']}").json()
            assert record["consent"] and record["identity_verified"] and record["liveness_passed"]
            assert record["agreement_signed"] and record["risk_level"] == "C1"


def test_an_app_user_born_before_1966_gets_senior_mode_after_the_id_step(client: httpx.Client) -> None:
    user = Conversation(client)
    user.verify_phone()
    user.say("我叫张秀英")
    assert user.last["senior_mode"] is False
    id_number = resident_id("19580304")
    user.say(id_number)
    assert user.last["senior_mode"] is True, user.text
    assert user.state["expects"] == "confirm" and spaced(id_number[-4:]) in user.text
    assert len(QUESTION.findall(user.text)) == 1
    user.say("对")
    assert user.state["step"] == "liveness" and user.last["senior_mode"] is True


def test_asking_to_slow_down_switches_senior_mode_on_and_the_off_phrase_off(client: httpx.Client) -> None:
    user = Conversation(client)
    user.say("我想开户")
    user.say("同意")
    assert user.state["step"] == "phone" and user.last["senior_mode"] is False
    user.say("你说慢一点")
    assert user.last["senior_mode"] is True and user.state["step"] == "phone", user.text
    user.say("不用慢了,正常说就行")
    assert user.last["senior_mode"] is False and user.state["step"] == "phone", user.text
    assert "正常" in user.text
    phone = unique_phone()
    user.say(phone)  # the step goes on where it was
    assert user.state["step"] == "sms_code" and f"{phone[:3]}****{phone[-4:]}" in user.text


def test_two_failed_attempts_offer_a_person_or_a_video_witness_appointment(
    client: httpx.Client, services_dir: Path | None
) -> None:
    user = Conversation(client, channel="senior")
    user.say("我想开户")
    user.say("同意")
    user.say("12345")
    assert user.state["step"] == "phone"
    user.say("幺二三")
    offer = [b for m in user.last["messages"] for b in m.get("buttons") or []]
    assert {b["payload"] for b in offer} == {"/request_human", VIDEO_PAYLOAD}, user.text
    user.say(VIDEO_PAYLOAD)
    assert "预约号" in user.text and user.state["step"] == "phone", user.text
    appointment_id = re.search(r"vap_\w+", user.text)
    assert appointment_id, user.text
    http = backend_as(services_dir)
    if http is not None:
        booked = http.get(f"/appointments/{appointment_id.group(0)}").json()
        assert booked["status"] == "booked" and booked["channel"] == "senior" and booked["sandbox"] is True
        assert booked["application_id"] == user.state["application_id"]
    phone = unique_phone()
    user.say(phone)  # meanwhile, the user can go on alone
    assert user.state["step"] == "sms_code"
