#!/usr/bin/env bash
# Makes .venv-deploy: kubernetes-validate (it bundles the Kubernetes schemas, works offline) and PyYAML for
# deploy/validate.py. A venv of its own because kubernetes-validate's jsonschema 4 and attrs 26 clash with
# Rasa 3.6's pins (see deploy/requirements.txt). Idempotent: returns at once when the requirements have not
# changed since the last install.
#   DEPLOY_VENV=path   where to make it (default .venv-deploy)
#   PYTHON=path        the Python to use (default python3; 3.10 or newer)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${DEPLOY_VENV:-.venv-deploy}
REQS=deploy/requirements.txt
STAMP="$VENV/.installed-$(sha256sum "$REQS" | cut -c1-12)"

if [ -f "$STAMP" ] && "$VENV/bin/python" -c 'import kubernetes_validate, yaml' 2>/dev/null; then
  echo "$VENV is up to date"
  exit 0
fi
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 10)' 2>/dev/null; then
  echo "deploy/setup_venv.sh needs Python 3.10 or newer; pass PYTHON=/path/to/python3" >&2
  exit 1
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
# Keep git and ruff out of the venv.
echo '*' >"$VENV/.gitignore"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"
"$VENV/bin/python" -m pip check --disable-pip-version-check >/dev/null
rm -f "$VENV"/.installed-*
touch "$STAMP"
echo "$VENV ready: kubernetes-validate $("$VENV/bin/python" -c 'import kubernetes_validate; print(kubernetes_validate.__version__)' 2>/dev/null || echo '?')"
