# syntax=docker/dockerfile:1.7
# The optional MMS worker (Tibetan/Uyghur speech, Meta's MMS models via transformers): `python -m
# voice.mms.worker` on :8200. Python 3.11 with CPU torch, as scripts/setup_mms_venv.sh makes .venv-mms.
# Build from the repository root: docker build -f deploy/docker/mms.Dockerfile -t …/mms:0.1.0 .
# No weights are baked in: the real MMS weights are CC-BY-NC 4.0 (voice/mms/README.md), so the operator
# mounts licensed weights read-only and points MMS_ASR_DIR / MMS_TTS_BO_DIR / MMS_TTS_UG_DIR at them.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
COPY voice/mms/requirements.txt requirements.txt
# torch's CPU build is only on PyTorch's own index (PyPI's Linux torch is a multi-GB CUDA build); the pin
# comes from the requirements file, so there is one place to change it. Everything else from PyPI.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "$(grep -E '^torch==' requirements.txt)" \
 && pip install -r requirements.txt

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The worker imports only voice.mms (its package is kept free of other imports) and the probe helper.
COPY voice/__init__.py voice/__init__.py
COPY voice/mms voice/mms
COPY deploy/docker/healthcheck.py deploy/docker/healthcheck.py
# Offline: transformers and huggingface_hub must load the mounted weights, never download.
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOME=/home/app \
    TMPDIR=/tmp HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 MMS_HOST=0.0.0.0 MMS_PORT=8200
USER 10001:10001
EXPOSE 8200
# Models load before the port opens: a 1B-parameter ASR model takes a while.
HEALTHCHECK --interval=15s --timeout=5s --start-period=300s --retries=3 \
  CMD ["python", "/app/deploy/docker/healthcheck.py", "http://127.0.0.1:8200/health"]
CMD ["python", "-m", "voice.mms.worker"]
