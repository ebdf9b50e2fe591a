#!/usr/bin/env bash
# Creates .venv-mms: Python 3.11 with CPU torch and transformers for the MMS worker (voice/mms/worker.py).
# Rasa needs Python 3.10, and torch for 3.10 would be a multi-GB CUDA download, so the worker has its own venv.
# Idempotent: returns at once when voice/mms/requirements.txt has not changed since the last install.
#   MMS_VENV=path      where to make it (default .venv-mms)
#   PYTHON311=path     the Python 3.11 to use (default: the first 3.11 found in pyenv, python3.11, python3)
#   MMS_PIP_ARGS=...   extra pip arguments, e.g. an index that has torch's CPU build elsewhere
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${MMS_VENV:-.venv-mms}
REQS=voice/mms/requirements.txt
STAMP="$VENV/.installed-$(sha256sum "$REQS" | cut -c1-12)"

is311() { "$1" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; }

if [ -f "$STAMP" ] && is311 "$VENV/bin/python"; then
  echo "$VENV is up to date"
  exit 0
fi

if [ -z "${PYTHON311:-}" ]; then
  for p in /root/.pyenv/versions/3.11.*/bin/python "$HOME"/.pyenv/versions/3.11.*/bin/python \
    "$(command -v python3.11 || true)" "$(command -v python3 || true)"; do
    if [ -n "$p" ] && is311 "$p"; then PYTHON311=$p; break; fi
  done
fi
if [ -z "${PYTHON311:-}" ] || ! is311 "$PYTHON311"; then
  echo "Python 3.11 is needed for the MMS worker (torch's CPU build here is for 3.11)." >&2
  echo "Install it (e.g. 'pyenv install 3.11.7') or pass PYTHON311=/path/to/python3.11." >&2
  exit 1
fi

if [ -e "$VENV" ] && ! is311 "$VENV/bin/python"; then
  echo "$VENV is not a Python 3.11 venv: making it again"
  rm -rf "$VENV"
fi
[ -x "$VENV/bin/python" ] || "$PYTHON311" -m venv "$VENV"
# Keep git and ruff out of the venv, as Python 3.13's venv does by itself.
echo '*' >"$VENV/.gitignore"

echo "installing the MMS worker's packages into $VENV (about a minute the first time)..."
# shellcheck disable=SC2086  # MMS_PIP_ARGS is a list of words
if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS" ${MMS_PIP_ARGS:-}; then
  echo "pip failed. If it says 'No matching distribution found for torch==2.13.0+cpu': the CPU build of" >&2
  echo "torch is not on this machine (it lies in /opt/wheels here). Give pip a place that has it, e.g." >&2
  echo "MMS_PIP_ARGS='--find-links DIR' or '--extra-index-url https://download.pytorch.org/whl/cpu'." >&2
  exit 1
fi
"$VENV/bin/python" -m pip check --disable-pip-version-check >/dev/null
rm -f "$VENV"/.installed-*
touch "$STAMP"
echo "$VENV ready: $("$VENV/bin/python" -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)')"
