"""Keypad entry (DTMF), keeping digits out of logs, and the silence re-prompt timer."""

from __future__ import annotations

import logging

import pytest

from privacy.logs import digits_logger
from privacy.numbers import mask_keys
from voice.channels.hotline import sender_for
from voice.channels.twilio import Start
from voice.pipeline.idle import IdleTimer
from voice.pipeline.keypad import DtmfCollector, dtmf_text


def press_all(collector: DtmfCollector, keys: str, start: float = 0.0, gap: float = 0.3) -> list[str]:
    entries = []
    for i, key in enumerate(keys):
        entry = collector.press(key, start + i * gap)
        if entry:
            entries.append(entry)
    return entries


def test_digits_until_hash() -> None:
    collector = DtmfCollector()
    assert press_all(collector, "13912345678#") == ["13912345678"]
    assert not collector.pending


def test_star_is_the_x_of_an_id_number() -> None:
    assert press_all(DtmfCollector(), "11010119850612123*#") == ["11010119850612123X"]


def test_a_pause_ends_the_entry() -> None:
    collector = DtmfCollector(pause_s=3.0)
    assert press_all(collector, "123456") == []
    last = 5 * 0.3
    assert collector.poll(last + 2.9) is None
    assert collector.poll(last + 3.0) == "123456"
    assert collector.poll(last + 10) is None  # reported once


def test_keys_pressed_slowly_still_join_within_the_pause() -> None:
    collector = DtmfCollector(pause_s=5.0)  # a senior's pause
    assert press_all(collector, "139", gap=4.0) == []
    assert collector.poll(8.0 + 5.0) == "139"


def test_single_key_answers_a_choice_at_once() -> None:
    collector = DtmfCollector(single_key=True)
    assert collector.press("2", 0.0) == "2"
    assert not collector.pending


def test_lone_hash_and_unknown_keys_are_ignored() -> None:
    collector = DtmfCollector()
    assert collector.press("#", 0.0) is None
    assert collector.press("A", 0.1) is None
    assert not collector.pending


def test_entry_length_is_capped() -> None:
    assert press_all(DtmfCollector(max_keys=19), "1" * 25) == ["1" * 19]


@pytest.mark.parametrize(
    ("entry", "expects", "text"),
    [
        ("1", "confirm", "/affirm"),
        ("2", "confirm", "/deny"),
        ("3", "choice", "3"),
        ("13912345678", "value", "13912345678"),
    ],
)
def test_keypad_entry_as_a_message(entry: str, expects: str, text: str) -> None:
    assert dtmf_text(entry, expects) == text


def test_digits_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    log = digits_logger("voice.hotline")
    with caplog.at_level(logging.INFO):
        log.info("keypad entry %s", mask_keys("11010119850612123X"))
        log.info("careless: %s then %d", "13912345678", 622202123456789)  # a bug must not leak numbers
        log.info("sms code 123456, ID 11010119850612123X")
        log.info("call hotline-CA0123456789abcdef ended")  # an identifier stays readable
    text = caplog.text
    assert "13912345678" not in text and "622202123456789" not in text and "1101011985" not in text
    assert "code 123456" not in text and "sms code <6 keys>" in text
    assert "<18 keys>" in text and "<11 keys>" in text
    assert "hotline-CA0123456789abcdef" in text


def test_hotline_sender_id() -> None:
    assert sender_for(Start("MZ1", "CA0123456789abcdef", {"sender_id": "app-user-1"})) == "app-user-1"
    assert (
        sender_for(Start("MZ1", "CA0123456789abcdef", {"sender_id": "bad id!"}))
        == "hotline-CA0123456789abcdef"
    )


def test_idle_timer_reprompts_then_says_goodbye() -> None:
    idle = IdleTimer(timeout_s=8.0, max_reprompts=2)
    assert idle.check(100.0) is None  # not armed while the assistant talks
    idle.arm(0.0)
    assert idle.check(7.9) is None
    assert idle.check(8.0) == "reprompt"
    idle.arm(20.0)
    assert idle.check(28.0) == "reprompt"
    idle.arm(40.0)
    assert idle.check(48.0) == "goodbye"


def test_caller_activity_resets_the_reprompt_count() -> None:
    idle = IdleTimer(timeout_s=5.0, max_reprompts=1)
    idle.arm(0.0)
    assert idle.check(5.0) == "reprompt"
    idle.caller_active()
    idle.arm(10.0)
    assert idle.check(15.0) == "reprompt"  # not goodbye: the caller answered in between
    idle.set_timeout(15.0)  # a senior
    idle.arm(20.0)
    assert idle.check(30.0) is None
