"""Shared test helpers for the backend: fixture values, a fixed clock, and a helper that walks the steps.

A uniquely named module (not `conftest`) so that imports stay unambiguous next to other test folders.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # pytest's rootless import mode puts only this folder on sys.path
    sys.path.insert(0, str(ROOT))

TEST_KEY = "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtb2Yta2V5ISE="  # 32 bytes, tests only
# 2025-06-01 10:00 in Beijing.
START = datetime(2025, 6, 1, 2, 0, tzinfo=timezone.utc)

# Valid IDs (correct check characters) that the sandbox treats as ordinary applicants.
ADULT_ID = "310104198506123455"  # 上海, 1985-06-12, male
ADULT_NAME = "张伟"
SENIOR_ID = "11010519491231002X"  # 北京, 1949-12-31, female (the well-known GB 11643 example)
TURNS_18_TODAY = "110108200706010023"  # born 2007-06-01
MINOR_ID = "110108200706020037"  # born 2007-06-02: 17 on 2025-06-01
PHONE = "13812345678"
# Two reviewers for the admin API (tests only).
REVIEWER_TOKENS = {
    "li.reviewer": "li-test-token-0123456789abcdef",
    "wang.reviewer": "wang-test-token-0123456789abcd",
}
ADMIN_TOKENS = ",".join(f"{name}:{token}" for name, token in REVIEWER_TOKENS.items())
# The product's services (BACKEND_TOKENS); the tests call the customer API as the action server does.
SERVICE_TOKENS = {"actions": "actions-test-token-0123456789ab", "gateway": "gateway-test-token-0123456789ab"}
BACKEND_TOKENS = ",".join(f"{name}:{token}" for name, token in SERVICE_TOKENS.items())
AS_ACTIONS = {"Authorization": f"Bearer {SERVICE_TOKENS['actions']}"}
AS_GATEWAY = {"Authorization": f"Bearer {SERVICE_TOKENS['gateway']}"}
CARD = "6222021234567890128"  # ICBC, Luhn-valid


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Flow:
    """Drives an application through the steps, asserting each one succeeds."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def post(self, path: str, body: dict[str, Any] | None = None, expect: int = 200) -> dict[str, Any]:
        response = self.client.post(path, json=body if body is not None else {})
        assert response.status_code == expect, response.text
        return response.json()

    def create(self, sender: str = "user-1", channel: str = "app") -> str:
        return self.post("/applications", {"sender_id": sender, "channel": channel}, expect=201)["id"]

    def consent(self, app_id: str, accepted: bool = True) -> dict[str, Any]:
        version = self.client.get("/notices/current").json()["version"]
        body = {"accepted": accepted, "notice_version": version, "utterance": "我同意", "channel": "app"}
        return self.post(f"/applications/{app_id}/consent", body)

    def send_code(self, app_id: str, phone: str = PHONE) -> dict[str, Any]:
        return self.post(f"/applications/{app_id}/phone", {"phone": phone})

    def code(self, phone: str = PHONE) -> str:
        response = self.client.post("/sandbox/sms", json={"phone": phone}, headers=AS_GATEWAY)
        assert response.status_code == 200, response.text
        return response.json()["code"]

    def verify(self, app_id: str, phone: str = PHONE) -> dict[str, Any]:
        return self.post(f"/applications/{app_id}/phone/verify", {"code": self.code(phone)})

    def identity(self, app_id: str, id_number: str = ADULT_ID, name: str = ADULT_NAME) -> dict[str, Any]:
        return self.post(f"/applications/{app_id}/identity", {"name": name, "id_number": id_number})

    def liveness(self, app_id: str) -> dict[str, Any]:
        self.post(f"/applications/{app_id}/liveness/start")
        return self.post(f"/applications/{app_id}/liveness/check")

    def risk(self, app_id: str, answers: list[int] | None = None) -> dict[str, Any]:
        return self.post(f"/applications/{app_id}/risk", {"answers": answers or [3, 3, 2, 3, 2]})

    def sign(self, app_id: str) -> dict[str, Any]:
        body = {"utterance": "我同意签署", "channel": "app", "audio_sha256": "ab" * 32}
        return self.post(f"/applications/{app_id}/agreements/sign", body)

    def card(self, app_id: str, card: str = CARD) -> dict[str, Any]:
        return self.post(f"/applications/{app_id}/bank_card", {"card_number": card})

    def submit(self, app_id: str) -> dict[str, Any]:
        return self.post(f"/applications/{app_id}/submit")

    def until_identity(self, sender: str = "user-1", phone: str = PHONE) -> str:
        app_id = self.create(sender)
        self.consent(app_id)
        self.send_code(app_id, phone)
        self.verify(app_id, phone)
        return app_id

    def complete(self, id_number: str = ADULT_ID, name: str = ADULT_NAME, **kw: str) -> str:
        """Everything up to (not including) submit."""
        app_id = self.until_identity(kw.get("sender", "user-1"), kw.get("phone", PHONE))
        self.identity(app_id, id_number, name)
        self.liveness(app_id)
        self.risk(app_id)
        self.sign(app_id)
        self.card(app_id, kw.get("card", CARD))
        return app_id
