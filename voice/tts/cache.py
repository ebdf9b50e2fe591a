"""A content-addressed on-disk cache of synthesised prompts: most prompts repeat across callers.

The key is engine-independent: text, language tag, rate, and the set of voices configured for that
language (changing the configuration invalidates entries; which engine answered does not). An answer from a
fallback engine is kept only for `degraded_ttl_s`, so prompts return to the preferred voice once it is back.
Empty audio is never stored, and text that looks like personal data being read back (phone, ID, card
numbers, SMS codes) is not cached at all; callers reading back a name pass `use_cache=False` to the chain.

Layout: <root>/<key[:2]>/<key>.<format> plus <key>.json (format, engine, voice, times), written atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from voice.speech import Speech
from voice.tts.base import check_rate, normalise_tag

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO_ROOT / "var" / "tts-cache"
KEY_VERSION = 1
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9０-９]")
_SPOKEN_DIGITS = re.compile(r"[零〇一二三四五六七八九幺两洞]{4,}")


def may_cache(text: str) -> bool:
    """False for text holding a number of four digits or more, the shape of personal data read back."""
    return len(_DIGITS.findall(text)) < 4 and not _SPOKEN_DIGITS.search(text)


def cache_key(text: str, language: str, rate: float, voices: Sequence[str]) -> str:
    material = {
        "v": KEY_VERSION,
        "text": _SPACE.sub(" ", text.strip()),
        "language": normalise_tag(language),
        "rate": round(check_rate(rate), 2),
        "voices": list(voices),
    }
    return hashlib.sha256(json.dumps(material, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class TtsCache:
    def __init__(
        self,
        root: str | Path | None = None,
        *,
        max_bytes: int = 200 * 1024 * 1024,
        degraded_ttl_s: float = 600.0,
        prune_every: int = 64,
    ) -> None:
        self.root = Path(root or os.environ.get("TTS_CACHE_DIR") or DEFAULT_DIR)
        self.max_bytes = max_bytes
        self.degraded_ttl_s = degraded_ttl_s
        self.prune_every = prune_every
        self._puts = 0

    def _paths(self, key: str, fmt: str = "") -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.json", folder / f"{key}.{fmt}"

    def get(self, key: str) -> Speech | None:
        meta_path, _ = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text())
            _, audio_path = self._paths(key, meta["format"])
            if meta.get("expires") and meta["expires"] < time.time():
                self._remove(meta_path, audio_path)
                return None
            audio = audio_path.read_bytes()
        except (OSError, ValueError, KeyError):
            return None
        if not audio:
            self._remove(meta_path, audio_path)
            return None
        with contextlib.suppress(OSError):
            os.utime(audio_path)  # recently used entries survive pruning
        return Speech(audio=audio, format=meta["format"], engine=meta["engine"], voice=meta["voice"])

    def put(self, key: str, speech: Speech, *, degraded: bool = False) -> bool:
        if not speech.audio:
            return False
        meta_path, audio_path = self._paths(key, speech.format)
        now = time.time()
        meta = {
            "format": speech.format,
            "engine": speech.engine,
            "voice": speech.voice,
            "created": now,
            "expires": now + self.degraded_ttl_s if degraded else None,
        }
        try:
            meta_path.parent.mkdir(parents=True, exist_ok=True)
            # audio first: an entry exists only once its metadata does
            self._write(audio_path, speech.audio)
            self._write(meta_path, json.dumps(meta).encode())
        except OSError as e:
            log.warning("tts cache write failed: %s", e)
            return False
        self._puts += 1
        if self._puts % self.prune_every == 0:
            self.prune()
        return True

    def prune(self) -> int:
        """Drop least recently used entries until the cache is under 80% of max_bytes; returns how many."""
        entries = []
        for path in self.root.glob("*/*"):
            if path.suffix not in (".json", ".tmp"):
                try:
                    st = path.stat()
                except OSError:
                    continue
                entries.append((st.st_mtime, st.st_size, path))
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return 0
        removed = 0
        for _, size, path in sorted(entries):
            if total <= self.max_bytes * 0.8:
                break
            self._remove(path.with_suffix(".json"), path)
            total -= size
            removed += 1
        return removed

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def _remove(*paths: Path) -> None:
        for path in paths:
            path.unlink(missing_ok=True)
