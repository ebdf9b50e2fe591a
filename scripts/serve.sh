#!/usr/bin/env bash
# Starts the backend, the action server, the Rasa server and the gateway; waits until the gateway's
# /healthz is ok; stops all of them on Ctrl-C (or SIGTERM). Called by `make run` and by the e2e tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
: "${MODEL:?MODEL must name a trained model (make model)}"
: "${PORT:=8000}" "${RASA_PORT:=5005}" "${ACTIONS_PORT:=5055}" "${BACKEND_PORT:=8100}"
: "${VAR_DIR:=$ROOT/var}"
# Secrets: from the environment, else generated once into $VAR_DIR/secrets (0600), so restarts keep them.
secret() {  # name
  local file="$VAR_DIR/secrets/$1"
  if [ -z "${!1:-}" ]; then
    [ -s "$file" ] || (umask 077 && mkdir -p "$VAR_DIR/secrets" && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$file")
    printf -v "$1" '%s' "$(cat "$file")"
  fi
  export "${1?}"
}
secret RASA_JWT_SECRET
secret GATEWAY_CHANNEL_TOKEN
secret ACTIONS_TOKEN
# The backend knows its two callers by their tokens; each caller gets only its own (BACKEND_TOKEN).
secret BACKEND_TOKEN_ACTIONS
secret BACKEND_TOKEN_GATEWAY
export BACKEND_TOKENS="actions:$BACKEND_TOKEN_ACTIONS,gateway:$BACKEND_TOKEN_GATEWAY"
export -n BACKEND_TOKEN_ACTIONS BACKEND_TOKEN_GATEWAY  # each caller is handed only its own, below
: "${BACKEND_DATABASE_URL:=sqlite:///$VAR_DIR/backend.db}"
: "${TRACKER_DIALECT:=sqlite}" "${TRACKER_DB:=$VAR_DIR/tracker.db}"
# Voice answers at the consent and agreement steps: the gateway writes them, the backend checks and erases them.
: "${RECORDINGS_DIR:=$VAR_DIR/recordings}"
export PORT RASA_PORT ACTIONS_PORT BACKEND_PORT RASA_JWT_SECRET BACKEND_DATABASE_URL TRACKER_DIALECT TRACKER_DB
export RECORDINGS_DIR
export BACKEND_URL="http://127.0.0.1:$BACKEND_PORT"
export ACTION_ENDPOINT_URL="http://127.0.0.1:$ACTIONS_PORT/webhook"
export RASA_URL="http://127.0.0.1:$RASA_PORT" ACTIONS_URL="http://127.0.0.1:$ACTIONS_PORT"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# Rasa and jieba write config and caches under HOME and TMPDIR: keep them inside the project.
export HOME="$ROOT/var/home" TMPDIR="$ROOT/var/tmp" RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_ENABLE_ONEDNN_OPTS=0
LOG_DIR="$VAR_DIR/log"
mkdir -p "$LOG_DIR" "$HOME" "$TMPDIR"
BIN="$ROOT/.venv/bin"

pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping services..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

start() {  # name, command...
  local name=$1; shift
  "$@" >"$LOG_DIR/$name.log" 2>&1 &
  pids+=("$!")
  echo "started $name (pid $!, log $LOG_DIR/$name.log)"
}

start backend "$BIN/python" -m backend
start actions env BACKEND_TOKEN="$BACKEND_TOKEN_ACTIONS" "$BIN/python" -m actions.server
# The API's JWT secret reaches Rasa through the environment (RASA_JWT_SECRET), never its command line
# (bot/server.py).
start rasa "$BIN/python" -m bot.server run --model "$MODEL" --enable-api \
  --interface 127.0.0.1 --port "$RASA_PORT" --endpoints bot/endpoints.yml --credentials bot/credentials.yml
# The MMS worker (Tibetan/Uyghur speech, its own Python 3.11 venv) only when an operator configured its models.
if [ -n "${MMS_ASR_DIR:-}${MMS_TTS_BO_DIR:-}${MMS_TTS_UG_DIR:-}" ]; then
  : "${MMS_PORT:=8200}"
  export MMS_PORT MMS_URL="http://127.0.0.1:$MMS_PORT"
  scripts/setup_mms_venv.sh
  start mms .venv-mms/bin/python -m voice.mms.worker
fi
start gateway env BACKEND_TOKEN="$BACKEND_TOKEN_GATEWAY" "$BIN/python" -m gateway

echo "waiting for http://127.0.0.1:$PORT/healthz (the Rasa server takes about a minute to load)..."
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
    echo "READY: gateway http://127.0.0.1:$PORT (docs /docs), Rasa :$RASA_PORT, actions :$ACTIONS_PORT, backend :$BACKEND_PORT"
    break
  fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "a service exited early; see $LOG_DIR"; tail -n 30 "$LOG_DIR"/*.log; exit 1; }
  done
  sleep 1
done
wait -n "${pids[@]}" || true
echo "a service stopped; see $LOG_DIR"
exit 1
