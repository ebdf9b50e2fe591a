"""Keypad entry on the hotline: digits until `#` or a pause; `*` stands for the X of an ID number.

The digits are ID, phone and card numbers and SMS codes: log them only through `logs.mask`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KEYS = set("0123456789*#")


@dataclass
class DtmfCollector:
    """Collects key presses into one entry.

    `single_key` (a choice or yes/no question) finishes on the first digit; otherwise the entry ends
    with `#` or after `pause_s` without a key. Times are caller-supplied (monotonic seconds) so the
    collector is deterministic to test.
    """

    pause_s: float = 3.0
    max_keys: int = 24
    single_key: bool = False
    _keys: list[str] = field(default_factory=list)
    _last_press: float | None = None

    @property
    def pending(self) -> bool:
        return bool(self._keys)

    def press(self, key: str, now: float) -> str | None:
        """Adds one key; returns the finished entry when this key ends it."""
        if key not in KEYS:
            return None
        if key == "#":
            return self._finish()
        self._keys.append("X" if key == "*" else key)
        self._last_press = now
        if (self.single_key and len(self._keys) == 1) or len(self._keys) >= self.max_keys:
            return self._finish()
        return None

    def poll(self, now: float) -> str | None:
        """Returns the entry once the caller has paused long enough after the last key."""
        if self._keys and self._last_press is not None and now - self._last_press >= self.pause_s:
            return self._finish()
        return None

    def reset(self) -> None:
        self._keys.clear()
        self._last_press = None

    def _finish(self) -> str | None:
        entry = "".join(self._keys)
        self.reset()
        return entry or None
