"""deploy/validate.py on the committed deployment files, and on copies broken on purpose.

The structural checks (probes, selectors, network policy, Compose, Dockerfiles) run in this interpreter.
The Kubernetes schema check needs kubernetes-validate, which lives in .venv-deploy (deploy/setup_venv.sh)
because it cannot share the Rasa venv; without that venv those tests fail under CI and skip elsewhere.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DEPLOY_PYTHON = ROOT / ".venv-deploy" / "bin" / "python"


def load_validator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_validate", DEPLOY / "validate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


validate = load_validator()


def broken_copy(tmp_path: Path, relative: str, old: str, new: str) -> Path:
    """A copy of deploy/ with one text replaced in one file (the replacement must apply exactly once)."""
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, copy, ignore=shutil.ignore_patterns(".env", "__pycache__"))
    target = copy / relative
    text = target.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
    target.write_text(text.replace(old, new))
    return copy


def problems(deploy_dir: Path) -> list[str]:
    return validate.run(deploy_dir, ROOT, validate.KUBERNETES_VERSION, schemas=False).problems


def test_committed_files_pass_the_structural_checks() -> None:
    report = validate.run(DEPLOY, ROOT, validate.KUBERNETES_VERSION, schemas=False)
    assert report.problems == []
    assert any("NetworkPolicy" in line for line in report.checked)


BREAKAGES = [
    # (file, text, replacement, what the validator must say)
    (
        "k8s/gateway.yaml",
        "          readinessProbe:\n            httpGet: {path: /healthz, port: http, scheme: HTTP}\n",
        "          readinessProbe:\n            httpGet: {path: /livez, port: http, scheme: HTTP}\n",
        "readinessProbe must GET /healthz",
    ),
    (
        "k8s/actions.yaml",
        '            limits: {cpu: "1", memory: 384Mi}\n',
        "            limits: {memory: 384Mi}\n",
        "needs both a cpu request and a cpu limit",
    ),
    (
        "k8s/backend.yaml",
        "          image: registry.example.com/account-opening/backend:0.1.0\n",
        "          image: registry.example.com/account-opening/backend:latest\n",
        "is not pinned",
    ),
    (
        "k8s/backend.yaml",
        "  replicas: 2\n",
        "  replicas: 1\n",
        "needs at least 2 replicas",
    ),
    (
        "k8s/rasa.yaml",
        "            - bot/credentials.yml\n",
        "            - bot/credentials.yml\n            - --auth-token\n            - $(RASA_JWT_SECRET)\n",
        "a secret on argv",
    ),
    (
        "k8s/rasa.yaml",
        "spec:\n  # No replicas: the HorizontalPodAutoscaler below owns the count.\n",
        "spec:\n  replicas: 3\n",
        "leave replicas to the HorizontalPodAutoscaler",
    ),
    (
        "k8s/rasa.yaml",
        "        - name: rasa-oss\n",
        "        - name: rasa\n",
        "named rasa-oss",
    ),
    (
        "k8s/gateway.yaml",
        "key: GATEWAY_BACKEND_TOKEN}}",
        "key: GATEWAY_TOKEN}}",
        "key 'GATEWAY_TOKEN' is not in account-opening-secrets",
    ),
    (
        "k8s/secret.template.yaml",
        '  RASA_JWT_SECRET: ""\n',
        '  RASA_JWT_SECRET: "s3cr3t"\n',
        "the template must hold no value",
    ),
    (
        "k8s/gateway.yaml",
        "      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001\n",
        "      securityContext:\n        runAsNonRoot: false\n        runAsUser: 0\n",
        "runAsNonRoot: true and runAsUser: 10001",
    ),
    (
        "k8s/networkpolicies.yaml",
        "  name: rasa-allow-gateway\n",
        "  name: rasa-allow-gateway\n  annotations: {}\n",
        None,  # harmless: nothing to report (guards against a validator that fails on anything)
    ),
    (
        "k8s/networkpolicies.yaml",
        "      app.kubernetes.io/name: rasa\n      app.kubernetes.io/instance: account-opening\n"
        '  policyTypes: ["Ingress"]\n  ingress:\n    - from:\n        - podSelector:\n'
        "            matchLabels:\n              app.kubernetes.io/name: gateway\n",
        "      app.kubernetes.io/name: rasa\n      app.kubernetes.io/instance: account-opening\n"
        '  policyTypes: ["Ingress"]\n  ingress:\n    - from:\n        - podSelector:\n'
        "            matchLabels:\n              app.kubernetes.io/name: backend\n",
        "rasa accepts connections from ['backend']",
    ),
    (
        "k8s/networkpolicies.yaml",
        '  podSelector: {}\n  policyTypes: ["Ingress"]\n',
        '  podSelector:\n    matchLabels: {app.kubernetes.io/name: nothing}\n  policyTypes: ["Ingress"]\n',
        "no default-deny ingress policy",
    ),
    (
        "k8s/kustomization.yaml",
        "  - cronjobs.yaml\n",
        "",
        "cronjobs.yaml is not listed in resources",
    ),
    (
        "compose.yml",
        '      test: ["CMD", "python", "/app/deploy/docker/healthcheck.py", "http://127.0.0.1:5055/health"]\n'
        "      interval: 10s\n      timeout: 5s\n      start_period: 20s\n      retries: 3\n",
        "      disable: true\n",
        "only the one-off migrate may disable its healthcheck",
    ),
    (
        "compose.yml",
        "      migrate: {condition: service_completed_successfully}\n",
        "",
        "backend: depends_on",
    ),
    (
        "compose.yml",
        "    build: {context: .., dockerfile: deploy/docker/gateway.Dockerfile}\n    deploy: {replicas: 2}\n",
        "    build: {context: .., dockerfile: deploy/docker/gateway.Dockerfile}\n    deploy: {replicas: 1}\n",
        "replicas 1, intended 2",
    ),
    (
        "compose.yml",
        "    image: redis:7.4.1-bookworm\n",
        "    image: redis:latest\n",
        "not pinned",
    ),
    (
        "docker/actions.Dockerfile",
        "USER 10001:10001\n",
        "USER root\n",
        "must end as USER 10001",
    ),
    (
        "docker/backend.Dockerfile",
        "ARG PYTHON_IMAGE=python:3.10-slim-bookworm\n",
        "ARG PYTHON_IMAGE=python:latest\n",
        "a 'latest' tag",
    ),
    (
        "docker/actions.Dockerfile",
        "HEALTHCHECK --interval=15s",
        "# HEALTHCHECK --interval=15s",
        "needs a HEALTHCHECK",
    ),
    (
        "docker/rasa.Dockerfile",
        'ARG MODEL_FILE=""\n',
        "",
        "needs ARG MODEL_FILE",
    ),
    (
        "docker/gateway.Dockerfile",
        " && apt-get install -y --no-install-recommends espeak-ng \\\n",
        "",
        "espeak-ng",
    ),
    (
        "docker/rasa-entrypoint.sh",
        "  exit 1\nfi\n",
        "  exit 1\n",
        "sh -n",
    ),
    # The runtime's environment (read from bot/server.py, gateway/settings.py, actions/server.py,
    # backend/config.py, bot/endpoints.cluster.yml and backend/cli.py).
    (
        "k8s/rasa.yaml",
        "            - name: RASA_JWT_SECRET\n"
        "              valueFrom: {secretKeyRef: {name: account-opening-secrets, key: RASA_JWT_SECRET}}\n",
        "",
        "rasa needs RASA_JWT_SECRET (in CLUSTER_SECRETS of bot/server.py)",
    ),
    (
        "k8s/rasa.yaml",
        "            - name: REDIS_LOCK_DB\n",
        "            - name: REDIS_DB\n",
        "rasa needs REDIS_LOCK_DB (${REDIS_LOCK_DB} in bot/endpoints.cluster.yml)",
    ),
    (
        "k8s/rasa.yaml",
        "            - name: GATEWAY_CHANNEL_TOKEN\n              valueFrom: {secretKeyRef: "
        "{name: account-opening-secrets, key: GATEWAY_CHANNEL_TOKEN}}\n",
        '            - {name: GATEWAY_CHANNEL_TOKEN, value: "0123456789abcdef"}\n',
        "GATEWAY_CHANNEL_TOKEN is a secret: it must come from account-opening-secrets",
    ),
    (
        "k8s/configmap.yaml",
        '  CLUSTER_MODE: "true"\n',
        '  CLUSTER_MODE: "false"\n',
        'CLUSTER_MODE must be "true"',
    ),
    (
        "k8s/gateway.yaml",
        '            - {name: GATEWAY_HOST, value: "0.0.0.0"}\n',
        '            - {name: GATEWAY_HOST, value: "127.0.0.1"}\n',
        "GATEWAY_HOST must be '0.0.0.0' in a container",
    ),
    (
        "k8s/gateway.yaml",
        "key: RASA_JWT_SECRET}}",
        "key: GATEWAY_CHANNEL_TOKEN}}",
        "RASA_JWT_SECRET must be the same wherever it is set",
    ),
    (
        "k8s/gateway.yaml",
        "            - name: TTS_ONLINE\n",
        "            - name: TTS_REMOTE\n",
        "sets TTS_REMOTE, which nothing in the runtime reads",
    ),
    (
        "k8s/actions.yaml",
        "key: ACTIONS_BACKEND_TOKEN}}",
        "key: GATEWAY_BACKEND_TOKEN}}",
        "is not the backend's BACKEND_TOKENS entry actions:",
    ),
    (
        "k8s/secret.template.yaml",
        '  RASA_JWT_SECRET: ""\n',
        "",
        "key 'RASA_JWT_SECRET' is not in account-opening-secrets",
    ),
    (
        "k8s/migrate-job.yaml",
        "            - name: ADMIN_TOKENS\n"
        "              valueFrom: {secretKeyRef: {name: account-opening-secrets, key: ADMIN_TOKENS}}\n",
        "",
        "backend.cli migrate needs ADMIN_TOKENS (in CLUSTER_SECRETS of backend/config.py)",
    ),
    (
        "k8s/cronjobs.yaml",
        'command: ["python", "-m", "backend.cli", "purge"]',
        'command: ["python", "-m", "backend.retention", "purge"]',
        "backend/retention.py has no __main__ block: it does nothing",
    ),
    (
        "k8s/cronjobs.yaml",
        'command: ["python", "-m", "backend.cli", "verify-audit"]',
        'command: ["python", "-m", "backend.cli", "verify"]',
        "python -m backend.cli verify: not one of its commands",
    ),
    (
        "k8s/cronjobs.yaml",
        "mountPath: /var/lib/account-opening/recordings, readOnly: true}",
        "mountPath: /mnt/recordings, readOnly: true}",
        "RECORDINGS_DIR /var/lib/account-opening/recordings is not a mounted volume",
    ),
    (
        "k8s/backend.yaml",
        "          env:\n            - name: CLUSTER_MODE\n"
        "              valueFrom: {configMapKeyRef: {name: account-opening-config, key: CLUSTER_MODE}}\n",
        "          envFrom:\n            - configMapRef: {name: account-opening-config}\n          env:\n",
        None,  # the whole ConfigMap through envFrom gives CLUSTER_MODE as well
    ),
    (
        "k8s/backend.yaml",
        "          env:\n            - name: CLUSTER_MODE\n"
        "              valueFrom: {configMapKeyRef: {name: account-opening-config, key: CLUSTER_MODE}}\n",
        "          envFrom:\n            - configMapRef: {name: other-config}\n          env:\n",
        "backend needs CLUSTER_MODE",
    ),
    (
        "compose.yml",
        '      CLUSTER_MODE: "true"\n      GATEWAY_HOST: "0.0.0.0"\n',
        '      GATEWAY_HOST: "0.0.0.0"\n',
        "gateway needs CLUSTER_MODE",
    ),
    (
        "compose.yml",
        '      REDIS_LOCK_DB: "1"\n',
        '      REDIS_DB: "1"\n',
        "sets REDIS_DB, which nothing in the runtime reads",
    ),
    (
        "compose.yml",
        "      BACKEND_TOKENS: *backend_tokens\n"
        "      ADMIN_TOKENS: ${ADMIN_TOKENS:?set ADMIN_TOKENS in deploy/.env}\n",
        "      BACKEND_TOKENS: *backend_tokens\n",
        "compose.yml backend: backend needs ADMIN_TOKENS",
    ),
    (
        "compose.yml",
        "      BACKEND_DATA_KEY: ${BACKEND_DATA_KEY:?set BACKEND_DATA_KEY in deploy/.env}\n"
        "      RASA_JWT_SECRET: ${RASA_JWT_SECRET:?set RASA_JWT_SECRET in deploy/.env}\n",
        "      BACKEND_DATA_KEY: ${BACKEND_DATA_KEY:?set BACKEND_DATA_KEY in deploy/.env}\n"
        "      RASA_JWT_SECRET: ${RASA_JWT_SECRET:-}\n",
        "RASA_JWT_SECRET may be empty",
    ),
    (
        "compose.yml",
        "      BACKEND_TOKEN: ${ACTIONS_BACKEND_TOKEN:?set ACTIONS_BACKEND_TOKEN in deploy/.env}\n"
        "      ACTIONS_TOKEN: ${ACTIONS_TOKEN:?set ACTIONS_TOKEN in deploy/.env}\n",
        "      BACKEND_TOKEN: ${ACTIONS_BACKEND_TOKEN:?set ACTIONS_BACKEND_TOKEN in deploy/.env}\n"
        "      ACTIONS_TOKEN: 0123456789abcdef\n",
        "ACTIONS_TOKEN is a secret: it must come from deploy/.env",
    ),
    (
        "compose.yml",
        "      MMS_URL: ${MMS_URL:-}\n",
        "      MMS_URL: ${MMS_URL:-}\n      MMS_TOKEN: ${MMS_URL:-}\n",
        "compose.yml gateway: sets MMS_TOKEN, which nothing in the runtime reads",
    ),
]


@pytest.mark.parametrize(
    ("relative", "old", "new", "expected"),
    BREAKAGES,
    ids=[f"{relative}: {expected or 'harmless change'}" for relative, _, _, expected in BREAKAGES],
)
def test_a_broken_file_is_reported(
    tmp_path: Path, relative: str, old: str, new: str, expected: str | None
) -> None:
    found = problems(broken_copy(tmp_path, relative, old, new))
    if expected is None:
        assert found == []
    else:
        assert any(expected in problem for problem in found), found


def test_the_runtime_is_read_from_its_source() -> None:
    runtime = validate.read_runtime(ROOT)
    assert runtime.problems == ()
    assert set(runtime.secrets) == {"rasa", "gateway", "actions", "backend"}
    assert "RASA_JWT_SECRET" in runtime.secrets["rasa"] and "RASA_JWT_SECRET" in runtime.secrets["gateway"]
    assert {"REDIS_LOCK_DB", "ACTION_ENDPOINT_URL", "TRACKER_DB_PASSWORD"} <= set(runtime.endpoints)
    assert runtime.cli_commands == {"migrate", "purge", "verify-audit"}
    assert validate.runtime_reads(runtime, "MMS_TTS_BO_DIR")  # built with an f-string
    assert validate.runtime_reads(runtime, "BACKEND_DATA_KEY")
    assert not validate.runtime_reads(runtime, "RASA_TOKEN")  # the old name: nothing reads it


def runtime_copy(tmp_path: Path, relative: str, old: str, new: str) -> Path:
    """The runtime's sources (what validate.py reads) with one text replaced in one file."""
    root = tmp_path / "repo"
    for directory in (*validate.RUNTIME_DIRS, validate.RUNTIME_IMAGE_HELPERS):
        shutil.copytree(
            ROOT / directory, root / directory, ignore=shutil.ignore_patterns("__pycache__", "node_modules")
        )
    target = root / relative
    text = target.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
    target.write_text(text.replace(old, new))
    return root


RUNTIME_CHANGES = [
    # (file, text, replacement, what the validator must then say of the unchanged deploy/: every line)
    (
        "gateway/settings.py",
        'CLUSTER_SECRETS = ("RASA_JWT_SECRET",',
        'CLUSTER_SECRETS = ("GATEWAY_NEW_SECRET", "RASA_JWT_SECRET",',
        (
            "gateway.yaml Deployment/gateway container gateway: gateway needs GATEWAY_NEW_SECRET "
            "(in CLUSTER_SECRETS of gateway/settings.py)",
            "compose.yml gateway: gateway needs GATEWAY_NEW_SECRET",
        ),
    ),
    (
        "backend/config.py",
        'CLUSTER_SECRETS = ("BACKEND_DATA_KEY",',
        'CLUSTER_SECRETS = ("BACKEND_NEW_SECRET", "BACKEND_DATA_KEY",',
        (
            "Deployment/backend container backend: backend needs BACKEND_NEW_SECRET",
            "Job/backend-migrate container migrate: backend.cli migrate needs BACKEND_NEW_SECRET",
            "CronJob/backend-retention container retention: backend.cli purge needs BACKEND_NEW_SECRET",
            "CronJob/backend-verify-audit container verify-audit: backend.cli verify-audit needs "
            "BACKEND_NEW_SECRET",
            "compose.yml migrate: backend.cli migrate needs BACKEND_NEW_SECRET",
            "compose.yml backend: backend needs BACKEND_NEW_SECRET",
        ),
    ),
    (
        "bot/endpoints.cluster.yml",
        "  db: ${REDIS_LOCK_DB}\n",
        "  db: ${REDIS_LOCK_DB}\n  socket_timeout: ${REDIS_TIMEOUT}\n",
        (
            "rasa-oss: rasa needs REDIS_TIMEOUT (${REDIS_TIMEOUT} in bot/endpoints.cluster.yml)",
            "compose.yml rasa: rasa needs REDIS_TIMEOUT",
        ),
    ),
    (
        "backend/cli.py",
        '"verify-audit": verify_audit}',
        '"verify": verify_audit}',
        ("python -m backend.cli verify-audit: not one of its commands ['migrate', 'purge', 'verify']",),
    ),
    (
        "voice/tts/factory.py",
        '_on(env, "TTS_ONLINE")',
        '_on(env, "TTS_REMOTE")',
        (
            "gateway.yaml Deployment/gateway container gateway: sets TTS_ONLINE, which nothing in the "
            "runtime reads",
            "compose.yml gateway: sets TTS_ONLINE, which nothing in the runtime reads",
        ),
    ),
    (
        "actions/server.py",
        'CLUSTER_SECRETS = ("ACTIONS_TOKEN", "BACKEND_TOKEN")',
        'SECRETS = ("ACTIONS_TOKEN", "BACKEND_TOKEN")',
        ("runtime: actions/server.py: no module-level CLUSTER_SECRETS tuple",),
    ),
    (
        "gateway/settings.py",
        "# What a cluster must hand every gateway replica (service/environment.py).\n",
        "",
        (),  # harmless: nothing to report
    ),
]


@pytest.mark.parametrize(
    ("relative", "old", "new", "expected"),
    RUNTIME_CHANGES,
    ids=[
        f"{relative}: {expected[0] if expected else 'harmless'}"
        for relative, _, _, expected in RUNTIME_CHANGES
    ],
)
def test_a_runtime_change_is_reported_against_the_deployment(
    tmp_path: Path, relative: str, old: str, new: str, expected: tuple[str, ...]
) -> None:
    """The runtime changes, deploy/ does not: the check must name each place that no longer fits."""
    root = runtime_copy(tmp_path, relative, old, new)
    report = validate.Report()
    validate.check_runtime_environment(DEPLOY, root, report)
    if not expected:
        assert report.problems == []
    for line in expected:
        assert any(line in problem for problem in report.problems), (line, report.problems)


def deploy_python() -> Path:
    if DEPLOY_PYTHON.is_file():
        return DEPLOY_PYTHON
    message = ".venv-deploy is missing: run deploy/setup_venv.sh (kubernetes-validate lives there)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run_validator(deploy_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(deploy_python()),
            str(DEPLOY / "validate.py"),
            "--deploy-dir",
            str(deploy_dir),
            "--repo-root",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_the_validator_passes_on_the_committed_files() -> None:
    result = run_validator(DEPLOY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid against the Kubernetes 1.30 schema (kubernetes-validate, strict)" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("OK")


def test_the_schema_check_rejects_an_unknown_field(tmp_path: Path) -> None:
    copy = broken_copy(
        tmp_path, "k8s/gateway.yaml", "terminationGracePeriodSeconds: 600", "terminationGrace: 600"
    )
    result = run_validator(copy)
    assert result.returncode == 1, result.stdout
    assert "schema 1.30" in result.stdout and "terminationGrace" in result.stdout
