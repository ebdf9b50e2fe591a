"""Dead ends a real user could walk into: every refusal that asking again cannot change must lead somewhere.

The services run with the real SMS rules (30 s between codes to one number, 10 codes a day); the sandbox's
test clock (`POST /api/sandbox/sms/rewind`) makes a number's codes older instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.e2e.helpers import Conversation, luhn_card, resident_id, unique_phone

pytestmark = pytest.mark.e2e

# Sandbox data (backend/data/sandbox.yml): each of these meets one refusal.
BLOCKED_PHONE = "13900000666"
UNDELIVERABLE_PHONE = "13900000404"
EXISTING_CUSTOMER_ID = "210102197503031116"
MISMATCH_ID = "420106199101012346"
LIVENESS_FAIL_ID = "430102198707078907"
SOMEONE_ELSES_CARD = "6222029876543210987"

FINAL = {"manual_review", "approved", "refused", "cancelled", "deleted"}
# How many more turns of the same answer a stuck user may need before the conversation moves on.
TURNS_TO_MOVE_ON = 3


def shows_masked(text: str, phone: str) -> bool:
    """The reply reads the number back masked (seniors hear it digit by digit: spacing aside)."""
    compact = "".join(c for c in text if c.isdigit() or c == "*")
    return f"{phone[:3]}****{phone[-4:]}" in compact and phone not in compact


def moves_on(user: Conversation, again: Callable[[], None]) -> list[tuple[str, str | None]]:
    """After a refusal the user keeps giving the same answer (`again`: one attempt, perhaps several turns);
    within TURNS_TO_MOVE_ON turns the conversation must reach another step or a final status. Answers the
    (step, status) pairs it went through, for the assertion message."""
    stuck, seen = user.state["step"], [(user.state["step"], user.state["status"])]
    start = user.turns
    while user.turns - start < TURNS_TO_MOVE_ON:
        again()
        seen.append((user.state["step"], user.state["status"]))
        if user.state["step"] != stuck or user.state["status"] in FINAL:
            return seen
    pytest.fail(f"still at {stuck} after {TURNS_TO_MOVE_ON} turns: {seen}\n{user.text}")


def at_phone_step(client: httpx.Client) -> Conversation:
    user = Conversation(client)
    user.say("我想开户")
    user.say("同意")
    assert user.state["step"] == "phone", user.text
    return user


def at_read_back(client: httpx.Client, id_number: str, name: str = "李秀英") -> Conversation:
    user = Conversation(client)
    user.verify_phone()
    user.say(f"我叫{name},身份证号{id_number}")
    assert (user.state["step"], user.state["expects"]) == ("id_number", "confirm"), user.text
    return user


def at_agreement_step(client: httpx.Client) -> Conversation:
    user = at_read_back(client, resident_id("19880808"))
    user.say("对")
    user.say("好了")
    for answer in ["2", "2", "2", "2", "2"]:
        user.say(answer)
    assert user.state["step"] == "agreement", user.text
    return user


def at_bank_step(client: httpx.Client) -> Conversation:
    user = at_agreement_step(client)
    user.say("我同意")
    assert user.state["step"] == "bank_card", user.text
    return user


# --- 1. coming back within the SMS resend interval -----------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "opening", "consent", "expect"),
    [
        ("app", "我想开户", "同意", "验证码已经发到"),
        ("senior", "我想开户", "同意", "验证码已经发到"),
        ("app", "你好，我想開個戶口，唔該", "好，我同意", "驗證碼已經發咗去"),
    ],
)
def test_coming_back_within_the_resend_interval_uses_the_code_in_hand(
    client: httpx.Client, channel: str, opening: str, consent: str, expect: str
) -> None:
    first = Conversation(client, channel=channel)
    phone = first.verify_phone(opening=(opening, consent))
    code = first.sms_code(phone)
    first.say("我叫张秀兰")
    first.say("我先忙别的,等会儿再继续")

    # The page is reloaded (a new conversation) seconds later, well within the 30 s between codes.
    later = Conversation(client, channel=channel)
    later.say(opening)
    later.say(consent)
    later.say(phone)
    assert later.state["step"] == "sms_code", later.text
    assert expect in later.text and shows_masked(later.text, phone), later.text
    assert "稍等" not in later.text and "等半分鐘" not in later.text, later.text
    assert later.sms_code(phone) == code, "no second SMS was sent"

    later.say(code)  # the code the user already has
    assert later.state["stage"] == 2, later.text
    assert later.state["application_id"] == first.state["application_id"], "the earlier application resumed"


def test_a_wrong_code_is_still_counted_against_the_one_that_was_sent(client: httpx.Client) -> None:
    first = at_phone_step(client)
    phone = unique_phone()
    first.say(phone)
    code = first.sms_code(phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(3):
        first.say(wrong)
    later = at_phone_step(client)
    later.say(phone)
    later.say(wrong)
    assert "还可以再试 1 次" in later.text, "reusing a code adds no guesses: 5 in all, shared"


# --- 2. an existing customer ------------------------------------------------------------------------------


def test_an_existing_customer_is_told_once_and_may_correct_a_mistyped_number(client: httpx.Client) -> None:
    user = at_read_back(client, EXISTING_CUSTOMER_ID)
    user.say("对")
    assert "已经在我们这里开过户" in user.text, user.text
    assert (user.state["step"], user.state["expects"]) == ("id_number", "value"), user.text
    assert "第2步" not in user.text and "姓名" not in user.text, "the name is not asked again"
    payloads = {b["payload"] for m in user.last["messages"] for b in m.get("buttons") or []}
    assert {"/request_human", "/cancel"} <= payloads, payloads

    user.say(resident_id("19900909"))  # "I mistyped it": a different number goes on as usual
    assert user.state["expects"] == "confirm", user.text
    user.say("对")
    assert user.state["step"] == "liveness" and user.state["status"] == "in_progress", user.text


def test_an_existing_customer_who_insists_goes_to_a_person(client: httpx.Client) -> None:
    user = at_read_back(client, EXISTING_CUSTOMER_ID)
    user.say("对")
    user.say(EXISTING_CUSTOMER_ID)
    user.say("对")
    assert user.state["status"] == "manual_review", user.text
    assert "工作人员核实" in user.text, user.text
    user.say("你好")  # the conversation goes on answering, without asking for the name again
    assert "姓名" not in user.text, user.text


def test_an_existing_customer_may_simply_finish(client: httpx.Client) -> None:
    user = at_read_back(client, EXISTING_CUSTOMER_ID)
    user.say("对")
    user.say("/cancel")  # the "结束办理" button
    assert user.state["status"] == "cancelled", user.text


# --- 3. the sweep: every refusal asking again cannot change ------------------------------------------------


def test_sweep_blocked_phone(client: httpx.Client) -> None:
    user = at_phone_step(client)
    user.say(BLOCKED_PHONE)
    assert "不能用于开户" in user.text, user.text
    seen = moves_on(user, lambda: user.say(BLOCKED_PHONE))
    assert user.state["step"] == "handoff" and "工单号" in user.text, seen


def test_sweep_undeliverable_phone(client: httpx.Client) -> None:
    user = at_phone_step(client)
    user.say(UNDELIVERABLE_PHONE)
    assert "收不到短信" in user.text, user.text
    seen = moves_on(user, lambda: user.say(UNDELIVERABLE_PHONE))
    assert user.state["step"] == "handoff", seen
    # The person is on the way; the user may still try another number.
    user.say("继续开户")
    assert user.state["step"] == "phone", user.text
    phone = unique_phone()
    user.say(phone)
    user.say(user.sms_code(phone))
    assert user.state["step"] == "name", user.text


def test_sweep_sms_daily_limit(client: httpx.Client) -> None:
    user = at_phone_step(client)
    phone = unique_phone()
    user.say(phone)
    for _ in range(12):  # ten codes a day; the sandbox clock moves each past the 30 s interval
        assert client.post("/api/sandbox/sms/rewind", json={"phone": phone, "seconds": 31}).status_code == 200
        user.say("重新发送验证码")
        if "上限" in user.text:
            break
    assert "上限" in user.text, user.text
    assert user.state["step"] == "phone", "another number is asked for"
    seen = moves_on(user, lambda: user.say(phone))
    assert user.state["step"] == "handoff", seen


def test_sweep_existing_customer(client: httpx.Client) -> None:
    user = at_read_back(client, EXISTING_CUSTOMER_ID)
    user.say("对")

    def again() -> None:
        user.say(EXISTING_CUSTOMER_ID)
        if user.state["expects"] == "confirm":
            user.say("对")

    moves_on(user, again)
    assert user.state["status"] == "manual_review", user.text


def test_sweep_minor(client: httpx.Client) -> None:
    user = Conversation(client)
    user.verify_phone()
    user.say(f"我叫王小明,身份证号{resident_id('20150505')}")
    assert user.state["status"] == "refused", user.text
    refused = user.state["application_id"]
    user.say("那怎么办")  # the conversation answers; the refused application stays closed
    assert user.state["application_id"] == refused and user.state["status"] == "refused", user.text
    assert "身份证" not in user.text, "the ID is not asked for again"


def test_sweep_identity_mismatch(client: httpx.Client) -> None:
    user = at_read_back(client, MISMATCH_ID)
    user.say("对")
    assert "核验没有通过" in user.text, user.text

    def again() -> None:
        user.say(f"我叫李秀英,身份证号{MISMATCH_ID}")
        if user.state["expects"] == "confirm":
            user.say("对")

    moves_on(user, again)
    for _ in range(3):  # the same wrong pair again and again ends with a person, never a loop
        if user.state["status"] in FINAL:
            break
        again()
    assert user.state["status"] == "manual_review", user.text


def test_sweep_liveness_failed(client: httpx.Client) -> None:
    user = at_read_back(client, LIVENESS_FAIL_ID)
    user.say("对")
    assert user.state["step"] == "liveness", user.text
    user.say("好了")
    assert "没有通过" in user.text, user.text
    seen = moves_on(user, lambda: user.say("好了"))
    assert user.state["step"] == "handoff" and "工单号" in user.text, seen


def test_sweep_someone_elses_card(client: httpx.Client) -> None:
    user = at_bank_step(client)
    user.say(SOMEONE_ELSES_CARD)
    assert "本人" in user.text, user.text
    seen = moves_on(user, lambda: user.say(SOMEONE_ELSES_CARD))
    assert user.state["step"] == "handoff", seen
    user.say("继续开户")  # with a card of their own, later
    user.say(luhn_card("622202"))
    assert user.state["step"] == "review", user.text


def test_sweep_agreement_declined(client: httpx.Client) -> None:
    user = at_agreement_step(client)
    user.say("不同意")
    assert "不同意就不会签署" in user.text, user.text
    seen = moves_on(user, lambda: user.say("不同意"))
    assert user.state["status"] == "cancelled", seen
