"""The images' helpers, run here without Docker: the HTTP probe and the Rasa model fetch (MODEL_URL)."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

DOCKER = Path(__file__).resolve().parents[2] / "deploy" / "docker"
MODEL_BYTES = b"not really a model, but bytes with a digest" * 1000


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"deploy_{name}", DOCKER / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


healthcheck = load("healthcheck")
fetch_model = load("fetch_model")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        status, body = {"/ok": (200, b"ok"), "/model.tar.gz": (200, MODEL_BYTES)}.get(
            self.path, (503, b"down")
        )
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_healthcheck_is_healthy_only_on_2xx(server: str) -> None:
    assert healthcheck.probe(f"{server}/ok")[0] is True
    assert healthcheck.probe(f"{server}/healthz") == (False, "HTTP 503")
    assert healthcheck.main([f"{server}/ok"]) == 0
    assert healthcheck.main([f"{server}/healthz", "2"]) == 1


def test_healthcheck_fails_when_nothing_listens_and_refuses_other_schemes() -> None:
    assert healthcheck.main(["http://127.0.0.1:9/", "1"]) == 1
    assert healthcheck.probe("file:///etc/passwd")[0] is False
    assert healthcheck.main([]) == 2


def test_fetch_model_checks_the_digest_and_names_the_file_by_it(server: str, tmp_path: Path) -> None:
    digest = hashlib.sha256(MODEL_BYTES).hexdigest()
    path = fetch_model.fetch(f"{server}/model.tar.gz", digest.upper(), tmp_path)
    assert path == tmp_path / f"model-{digest[:16]}.tar.gz"
    assert path.read_bytes() == MODEL_BYTES
    # A restarted container in the same pod reuses the verified file.
    assert fetch_model.fetch("https://unreachable.invalid/model.tar.gz", digest, tmp_path) == path


def test_fetch_model_refuses_a_wrong_or_missing_digest_and_leaves_nothing(
    server: str, tmp_path: Path
) -> None:
    with pytest.raises(fetch_model.FetchError, match="not MODEL_SHA256"):
        fetch_model.fetch(f"{server}/model.tar.gz", "0" * 64, tmp_path)
    with pytest.raises(fetch_model.FetchError, match="MODEL_SHA256 must be set"):
        fetch_model.fetch(f"{server}/model.tar.gz", "", tmp_path)
    with pytest.raises(fetch_model.FetchError, match="https://"):
        fetch_model.fetch("ftp://example.com/model.tar.gz", "0" * 64, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_fetch_model_main_prints_the_path_for_the_entrypoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "built.tar.gz"
    source.write_bytes(MODEL_BYTES)
    env = {
        "MODEL_URL": source.as_uri(),  # a mounted volume works as well as HTTPS
        "MODEL_SHA256": hashlib.sha256(MODEL_BYTES).hexdigest(),
        "MODEL_DOWNLOAD_DIR": str(tmp_path / "models"),
    }
    assert fetch_model.main(env) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed.parent == tmp_path / "models" and printed.read_bytes() == MODEL_BYTES
    assert fetch_model.main({**env, "MODEL_SHA256": "f" * 64}) == 1
    assert fetch_model.main({}) == 2
