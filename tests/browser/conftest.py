"""Headless Chromium (Debian's package, driven by Playwright) against the real running services.

No browser is ever downloaded: Playwright launches /usr/bin/chromium (`make browser-deps` installs it, and
axe-core from the npm registry into tests/browser/node_modules). Screenshots go to var/screenshots/;
README_SCREENSHOTS=1 also refreshes docs/screenshots/ (the README's).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
README_SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}  # a phone-sized viewport (iPhone 12-15)
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
TURN_TIMEOUT_MS = 60_000


def launch(playwright: Any, extra_args: tuple[str, ...] = ()) -> Any:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make browser-deps` (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*LAUNCH_ARGS, *extra_args])


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt")
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    chromium = launch(playwright)
    yield chromium
    chromium.close()


def broken(message: Any) -> bool:
    # a 4xx the page expects (a new tab's conversation is unknown: 404) is logged by Chromium too
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def new_page(browser: Any, base_url: str, *, bypass_csp: bool = False) -> tuple[Any, list[str]]:
    """A phone-sized page, and the script errors it logs. The pages' Content-Security-Policy stays on
    (a CSP violation is a console error, so a test fails on it), except where axe is injected as an
    inline script (`bypass_csp`)."""
    context = browser.new_context(
        base_url=base_url, viewport=PHONE, device_scale_factor=2, bypass_csp=bypass_csp, locale="zh-CN"
    )
    context.set_default_timeout(TURN_TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if broken(msg) else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return page, problems


@pytest.fixture()
def page(browser: Any, base_url: str) -> Iterator[Any]:
    page, problems = new_page(browser, base_url)
    yield page
    page.context.close()
    assert not problems, problems  # no script errors and no CSP violations on the way


@pytest.fixture()
def axe_page(browser: Any, base_url: str) -> Iterator[Any]:
    page, problems = new_page(browser, base_url, bypass_csp=True)
    yield page
    page.context.close()
    assert not problems, problems


def wait_for(page: Any, expression: str, timeout_s: float = TURN_TIMEOUT_MS / 1000) -> None:
    """Poll a JS expression until it is true. (Playwright's wait_for_function compiles it with eval, which
    the pages' CSP forbids; page.evaluate is not subject to it.)"""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s:.0f}s: {expression}")
        page.wait_for_timeout(100)


@pytest.fixture()
def shot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """shot(page, "name") keeps a screenshot as a test artifact; readme="chat" also writes the README's."""

    def take(page: Any, name: str, readme: str | None = None) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", f"{request.node.name}-{name}.png")
        page.screenshot(path=str(path))
        if readme and os.environ.get("README_SCREENSHOTS") == "1":
            README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(README_SCREENSHOTS / f"{readme}.png"))
        return path

    return take
