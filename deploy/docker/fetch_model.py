"""Fetch the Rasa model named by MODEL_URL at container start, check it, and print its path.

Used by rasa-entrypoint.sh when MODEL_URL is set (otherwise the model baked into the image is used).
- MODEL_URL: https:// (or http:// inside the cluster, or file:// for a mounted volume) of a model-*.tar.gz.
- MODEL_SHA256: required with MODEL_URL. A brokerage must not serve a model it cannot identify, so a missing
  or different digest refuses to start (the pod's probes then fail loudly).
- MODEL_DOWNLOAD_DIR: where to write it (default /tmp/models, an emptyDir in Kubernetes). A file already there
  with the right digest (a container restart in the same pod) is reused.
Standard library only; nothing is fetched from a model hub.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

DEFAULT_DIR = "/tmp/models"
ATTEMPTS = 3
TIMEOUT_S = 60.0
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class FetchError(RuntimeError):
    pass


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, target_dir: Path) -> tuple[Path, str]:
    """Stream into a temporary file beside the target, hashing on the way: (temporary path, sha256)."""
    digest = hashlib.sha256()
    fd, name = tempfile.mkstemp(dir=target_dir, prefix=".model-", suffix=".part")
    partial = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:
            for block in iter(lambda: resp.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return partial, digest.hexdigest()


def fetch(url: str, sha256: str, target_dir: Path) -> Path:
    """The model at `url` as target_dir/model-<digest prefix>.tar.gz, verified against `sha256`."""
    sha256 = sha256.strip().lower()
    if not url.startswith(("https://", "http://", "file://")):
        raise FetchError(f"MODEL_URL must be https://, http:// or file://, not {url!r}")
    if not SHA256_RE.match(sha256):
        raise FetchError("MODEL_SHA256 must be set to the model's 64-hex-digit SHA-256 when MODEL_URL is set")
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"model-{sha256[:16]}.tar.gz"  # Rasa wants a .tar.gz; the name says which
    if target.is_file() and file_sha256(target) == sha256:
        return target
    last_error: Exception | None = None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            partial, got = _download(url, target_dir)
        except OSError as error:  # URLError and timeouts are OSErrors: the store may be starting too
            last_error = error
            print(f"fetch_model: attempt {attempt}/{ATTEMPTS} failed: {error}", file=sys.stderr)
            time.sleep(2 * attempt)
            continue
        if got != sha256:
            partial.unlink(missing_ok=True)
            raise FetchError(f"the model at MODEL_URL has SHA-256 {got}, not MODEL_SHA256 {sha256}")
        partial.replace(target)  # atomic: Rasa never sees a half-written model
        return target
    raise FetchError(f"could not fetch MODEL_URL after {ATTEMPTS} attempts: {last_error}")


def main(environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    url = env.get("MODEL_URL", "").strip()
    if not url:
        print("fetch_model: MODEL_URL is not set", file=sys.stderr)
        return 2
    try:
        path = fetch(url, env.get("MODEL_SHA256", ""), Path(env.get("MODEL_DOWNLOAD_DIR") or DEFAULT_DIR))
    except FetchError as error:
        print(f"fetch_model: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
