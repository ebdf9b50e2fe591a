"""Silence re-prompts: after the assistant has finished speaking, how long to wait for the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

IdleAction = Literal["reprompt", "goodbye"]


@dataclass
class IdleTimer:
    """Armed when playback ends and the line waits for the caller; any speech or key press disarms it.

    After `max_reprompts` unanswered re-prompts the next timeout says goodbye. Seniors get a longer
    timeout (`set_timeout`): they take longer to find a card or an ID.
    """

    timeout_s: float = 8.0
    max_reprompts: int = 2
    _armed_at: float | None = None
    _reprompts: int = 0

    @property
    def armed(self) -> bool:
        return self._armed_at is not None

    def set_timeout(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s

    def arm(self, now: float) -> None:
        if self._armed_at is None:
            self._armed_at = now

    def disarm(self) -> None:
        self._armed_at = None

    def caller_active(self) -> None:
        """The caller said or pressed something: start counting re-prompts afresh."""
        self._armed_at = None
        self._reprompts = 0

    def check(self, now: float) -> IdleAction | None:
        if self._armed_at is None or now - self._armed_at < self.timeout_s:
            return None
        self._armed_at = None
        self._reprompts += 1
        return "goodbye" if self._reprompts > self.max_reprompts else "reprompt"
