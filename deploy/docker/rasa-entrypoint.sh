#!/bin/sh
# The Rasa image's entrypoint: `python -m bot.server "$@"` with the model baked into /app/models, or, when
# MODEL_URL is set, with the model fetched from there (checked against MODEL_SHA256) into MODEL_DOWNLOAD_DIR.
# The arguments are the Rasa CLI's (`run --enable-api ...`), as in Rasa's Helm chart; secrets come from the
# environment only (bot.server reads RASA_JWT_SECRET and hands it to Rasa as --jwt-secret inside the process),
# never from argv.
set -eu
if [ -n "${MODEL_URL:-}" ]; then
  model=$(python /app/deploy/docker/fetch_model.py)
  echo "rasa-entrypoint: serving $model from MODEL_URL"
  # argparse keeps the last --model: this one overrides the image's default /app/models.
  set -- "$@" --model "$model"
elif ! ls /app/models/model-*.tar.gz >/dev/null 2>&1; then
  echo "rasa-entrypoint: no model in /app/models (build with MODEL_FILE=models/model-<hash>.tar.gz)" \
       "and MODEL_URL is not set" >&2
  exit 1
fi
exec python -m bot.server "$@"
