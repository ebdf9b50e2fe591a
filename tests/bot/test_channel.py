"""The gateway's channel (bot/channel.py): a repeated message id answers the first replies again."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channel import GatewayInput, replies_to, state_of


def tracker() -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "web-1",
        [
            UserUttered("我想开户", {"name": "open_account"}, message_id="m1"),
            BotUttered("请问您同意吗?", {"buttons": [{"title": "同意", "payload": "/affirm"}]}),
            SlotSet("step", "consent"),
            ActionExecuted("action_listen"),
            UserUttered("同意", {"name": "affirm"}, message_id="m2"),
            BotUttered("请告诉我手机号。"),
            ActionExecuted("action_listen"),
        ],
    )


def test_the_replies_to_a_message_are_found_by_its_id() -> None:
    first = replies_to(tracker(), "m1")
    assert first == [
        {
            "recipient_id": "web-1",
            "text": "请问您同意吗?",
            "buttons": [{"title": "同意", "payload": "/affirm"}],
        }
    ]
    assert replies_to(tracker(), "m2") == [{"recipient_id": "web-1", "text": "请告诉我手机号。"}]
    assert replies_to(tracker(), "m3") is None


def test_the_state_is_the_slots_and_what_the_nlu_made_of_the_last_message() -> None:
    state = state_of(tracker())
    assert state["sender_id"] == "web-1" and state["slots"]["step"] == "consent"
    assert state["latest_message"]["message_id"] == "m2"


def test_the_channel_needs_a_real_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATEWAY_CHANNEL_TOKEN", raising=False)
    with pytest.raises(ValueError, match="GATEWAY_CHANNEL_TOKEN"):
        GatewayInput.from_credentials(None)
    monkeypatch.setenv("GATEWAY_CHANNEL_TOKEN", "x" * 32)
    assert isinstance(GatewayInput.from_credentials(None), GatewayInput)


def test_the_api_token_never_reaches_the_command_line() -> None:
    from bot.server import secret_arguments

    argv = ["run", "--model", "m.tar.gz", "--enable-api"]
    secret = {"RASA_JWT_SECRET": "t" * 32}
    assert secret_arguments(argv, secret) == [*argv, "--jwt-secret", "t" * 32, "--jwt-method", "HS256"]
    assert secret_arguments(argv, {}) == argv
    assert secret_arguments(["train"], secret) == ["train"]
