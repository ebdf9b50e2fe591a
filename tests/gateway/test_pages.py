"""The web pages as the gateway serves them: pages, assets, headers, and nothing loaded from outside."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway import pages

WEB = Path(pages.WEB_DIR)


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(pages.router())
    return TestClient(app)


@pytest.mark.parametrize(("path", "marker"), [("/", 'id="log"'), ("/senior", 'id="repeat"')])
def test_pages_are_served_with_a_strict_content_security_policy(client: TestClient, path: str, marker: str):
    response = client.get(path)
    assert response.status_code == 200 and marker in response.text
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe" not in policy


def test_assets_have_their_content_types(client: TestClient) -> None:
    js = client.get("/web/js/client.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert client.get("/web/css/senior.css").headers["content-type"].startswith("text/css")
    assert client.get("/web/i18n/zh.json").json()["lang"] == "zh-CN"
    etag = js.headers["etag"]
    assert client.get("/web/js/client.js", headers={"if-none-match": etag}).status_code == 304


@pytest.mark.parametrize("path", ["/web/nothing.js", "/web/../gateway/app.py", "/web/%2e%2e/gateway/app.py"])
def test_nothing_outside_web_is_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_nothing_is_loaded_from_the_internet() -> None:
    """No CDN, no web font, no analytics: every src/href/import/url() is a path on this origin."""
    outside = re.compile(
        r"""(?:src|href)\s*=\s*["'](?:https?:)?//|import[^;]*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//"""
    )
    for path in WEB.rglob("*"):
        if path.suffix in (".html", ".js", ".css"):
            assert not outside.search(path.read_text(encoding="utf-8")), path


def test_every_language_has_every_label() -> None:
    reference = json.loads((WEB / "i18n" / "zh.json").read_text(encoding="utf-8"))
    for path in sorted((WEB / "i18n").glob("*.json")):
        labels = json.loads(path.read_text(encoding="utf-8"))
        assert set(labels) == set(reference), path.name
        assert len(labels["stages"]) == 5 and labels["dir"] in ("ltr", "rtl"), path.name
        assert "{stage}" in labels["progress_text"] and "{name}" in labels["progress_text"], path.name


def test_every_label_the_pages_use_exists() -> None:
    reference = json.loads((WEB / "i18n" / "zh.json").read_text(encoding="utf-8"))
    used = set()
    for page in ("index.html", "senior.html"):
        html = (WEB / page).read_text(encoding="utf-8")
        used |= set(re.findall(r'data-i18n="(\w+)"', html))
        used |= {
            key
            for pairs in re.findall(r'data-i18n-attr="([^"]+)"', html)
            for key in re.findall(r":(\w+)", pairs)
        }
    for script in (WEB / "js").glob("*.js"):
        used |= set(re.findall(r"labels\.(\w+)", script.read_text(encoding="utf-8")))
    assert used and used <= set(reference), used - set(reference)
