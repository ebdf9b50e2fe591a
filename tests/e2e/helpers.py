"""A scripted user for the e2e tests, and valid test numbers computed from their check digits."""

from __future__ import annotations

import itertools
import os
import random
from pathlib import Path
from typing import Any

import httpx

from privacy.numbers import id_check_char, luhn_check_digit

CHECK_CHARS = "0123456789X"

_serial = itertools.count(random.randint(100, 800))


def resident_id(birth: str, region: str = "110101", valid: bool = True) -> str:
    """An 18-character ID with a correct (or deliberately wrong) GB 11643 check digit."""
    body = f"{region}{birth}{next(_serial) % 1000:03d}"
    check = id_check_char(body)
    if not valid:
        check = CHECK_CHARS[(CHECK_CHARS.index(check) + 1) % len(CHECK_CHARS)]
    return body + check


def luhn_card(prefix: str = "622202", length: int = 19) -> str:
    body = prefix + "".join(random.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return body + luhn_check_digit(body)


def unique_phone() -> str:
    return "139" + "".join(random.choice("0123456789") for _ in range(8))


class Conversation:
    """One user talking to /api/chat; remembers every answer and counts the turns."""

    def __init__(self, client: httpx.Client, channel: str = "app") -> None:
        self.client = client
        self.channel = channel
        self.sender_id = f"e2e-{random.randrange(16**10):010x}"
        self.turns = 0
        self.last: dict[str, Any] = {}

    def say(self, text: str) -> dict[str, Any]:
        response = self.client.post(
            "/api/chat", json={"sender_id": self.sender_id, "text": text, "channel": self.channel}
        )
        assert response.status_code == 200, response.text
        self.turns += 1
        self.last = response.json()
        return self.last

    @property
    def state(self) -> dict[str, Any]:
        return self.last["state"]

    @property
    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.last["messages"])

    def sms_code(self, phone: str) -> str:
        response = self.client.get(f"/api/sandbox/sms/{phone}")
        assert response.status_code == 200, response.text
        return response.json()["code"]

    def verify_phone(self, phone: str | None = None, opening: tuple[str, ...] = ("我想开户", "同意")) -> str:
        """Stage 1 the plain way: the opening words, a phone number (a new one unless given), its SMS code."""
        for text in opening:
            self.say(text)
        phone = phone or unique_phone()
        self.say(phone)
        self.say(self.sms_code(phone))
        return phone


def ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://").replace("https://", "wss://") + path


def connect_hotline(base_url: str) -> Any:
    """A phone call's WebSocket, opened as the telephony provider would: signed with X-Twilio-Signature when
    the gateway checks signatures (TWILIO_AUTH_TOKEN set, as tests/e2e/conftest.py starts the services)."""
    import websockets

    from voice.channels.twilio_auth import compute_signature

    url = ws_url(base_url, "/ws/hotline")
    token = os.environ.get("TWILIO_AUTH_TOKEN", "")
    headers = {"X-Twilio-Signature": compute_signature(token, url)} if token else {}
    return websockets.connect(url, extra_headers=headers, max_size=None)


def files_holding(folder: Path, secrets: dict[str, str]) -> list[str]:
    """ "<label> in <file>" for every file under `folder` (databases, logs, recordings) whose bytes contain
    one of the raw `secrets` ({label: value}): what a search of the disk for personal data would find."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        content = path.read_bytes()
        where = path.relative_to(folder)
        found += [f"{label} in {where}" for label, raw in secrets.items() if raw.encode() in content]
    return found


def backend_as(services_dir: Path | None, caller: str = "actions") -> httpx.Client | None:
    """The backend of the services these tests started, called with `caller`'s own service token (from
    the secrets scripts/serve.sh generated there); None against an outside E2E_BASE_URL."""
    if services_dir is None:
        return None
    from scripts.services import DEFAULT_PORTS

    token = (services_dir / "secrets" / f"BACKEND_TOKEN_{caller.upper()}").read_text().strip()
    return httpx.Client(
        base_url=f"http://127.0.0.1:{DEFAULT_PORTS['BACKEND_PORT']}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
