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
        "            - bot/credentials.yml\n            - --jwt-secret\n            - $(RASA_JWT_SECRET)\n",
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
