"""Check the deployment files without Docker or a cluster; print what was checked; exit 1 on any problem.

1. Kubernetes (deploy/k8s/**/*.yaml): every object against the Kubernetes API schema of a fixed version with
   kubernetes-validate, strict (an unknown or misspelt field is an error); then what a schema cannot see:
   labels, selectors that select something, probes on the interface's paths and on a declared port, resource
   requests and limits, non-root and read-only pods, pinned images, the Rasa container as in Rasa's Helm
   chart (and no secret on its argv), ConfigMap/Secret keys that exist, the autoscalers' targets, the
   migration Job's command, the kustomization's file list, an empty Secret template with every key
   documented, and who may connect to whom under the NetworkPolicies.
2. compose.yml: parsed; every service has an image or a build, a pinned image, a healthcheck, the intended
   replicas and dependencies (with their conditions), only nginx publishes a port, every ${VAR} is in
   env.example, mounted files exist.
3. The runtime's environment, read from its source without importing it (it needs Rasa): the module-level
   CLUSTER_SECRETS of bot/server.py, gateway/settings.py, actions/server.py and backend/config.py (ast), the
   ${VAR}s of bot/endpoints.cluster.yml, backend/cli.py's COMMANDS. Every Kubernetes container and Compose
   service running a service (and the backend.cli Job/CronJobs/migrate, which read the backend's settings)
   gets each of its secrets from the Secret / deploy/.env (env, valueFrom or envFrom), CLUSTER_MODE "true",
   the listen address 0.0.0.0 and the port; a token shared by two services comes from one place at both ends;
   `python -m` names a module that runs (and a backend.cli command that exists); no variable is set that
   nothing in the runtime reads.
4. Dockerfiles: multi-stage (a builder venv, a runtime stage), pinned base images (Python 3.10 slim
   bookworm; 3.11 for MMS), a numeric non-root USER (10001), a HEALTHCHECK and EXPOSE on the service's port,
   the interface's command, ARG/ENV for the Rasa model, Whisper and espeak-ng in the gateway, CPU torch for
   MMS, COPY sources that exist, no secret in ENV; the .dockerignore files; shell scripts parse (sh -n).

Runs in .venv-deploy (deploy/setup_venv.sh): kubernetes-validate cannot live in the Rasa venv. Started from
another interpreter, it re-runs itself there when .venv-deploy exists.
Usage: python deploy/validate.py [--deploy-dir DIR] [--repo-root DIR] [--kubernetes-version 1.30]
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEPLOY_DIR = Path(__file__).resolve().parent
KUBERNETES_VERSION = "1.30"
NAMESPACE = "account-opening"
UID = 10001
CONFIGMAP = "account-opening-config"
SECRET = "account-opening-secrets"
ANY = "any"

# The runtime interface, per component (keyed by app.kubernetes.io/name in Kubernetes).
K8S_COMPONENTS = {
    "gateway": "gateway",
    "rasa": "rasa",
    "rasa-action-server": "actions",
    "backend": "backend",
    "mms-worker": "mms",
}
PORTS = {"gateway": 8000, "rasa": 5005, "actions": 5055, "backend": 8100, "mms": 8200}
COMMANDS = {
    "gateway": ["python", "-m", "gateway"],
    "actions": ["python", "-m", "actions.server"],
    "backend": ["python", "-m", "backend"],
    "mms": ["python", "-m", "voice.mms.worker"],
}
PROBES = {  # (liveness path, readiness path)
    "gateway": ("/livez", "/healthz"),
    "rasa": ("/", "/"),
    "actions": ("/health", "/health"),
    "backend": ("/livez", "/healthz"),
    "mms": ("/health", "/health"),
}
MIGRATE = ["python", "-m", "backend.cli", "migrate"]
RASA_ARG_PAIRS = {
    "--interface": "0.0.0.0",
    "--port": "5005",
    "--endpoints": "bot/endpoints.cluster.yml",
    "--credentials": "bot/credentials.yml",
}
SECRET_FLAGS = ("--jwt-secret", "--auth-token")
AUTOSCALED = {"gateway", "rasa"}
# Who may open connections to whom (NetworkPolicy ingress). The gateway reaches the action server only for
# its readiness check of /health (see networkpolicies.yaml).
INGRESS = {
    "gateway": ANY,
    "rasa": frozenset({"gateway"}),
    "actions": frozenset({"rasa", "gateway"}),
    "backend": frozenset({"actions", "gateway"}),
    "mms": frozenset({"gateway"}),
}
OBJECT_LABELS = ("app.kubernetes.io/instance", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by")
POD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
)
NOT_APPLIED = {"kustomization.yaml", "secret.template.yaml"}

COMPOSE_REPLICAS = {"gateway": 2, "rasa": 2, "actions": 2, "backend": 2, "mms": 2}
COMPOSE_DEPENDS = {
    "postgres": {},
    "redis": {},
    "migrate": {"postgres": "service_healthy"},
    "backend": {"postgres": "service_healthy", "migrate": "service_completed_successfully"},
    "actions": {"backend": "service_healthy"},
    "rasa": {"postgres": "service_healthy", "redis": "service_healthy", "actions": "service_healthy"},
    "gateway": {
        "redis": "service_healthy",
        "backend": "service_healthy",
        "actions": "service_healthy",
        "rasa": "service_healthy",
    },
    "nginx": {"gateway": "service_healthy"},
    "mms": {},
}
COMPOSE_DOCKERFILES = {
    "migrate": "backend",
    "backend": "backend",
    "actions": "actions",
    "rasa": "rasa",
    "gateway": "gateway",
    "mms": "mms",
}
COMPOSE_BASE_IMAGES = {"postgres": "postgres:15", "redis": "redis:7", "nginx": "nginx:"}
PUBLISHED = {"nginx": ["8000:8000"]}

DOCKERFILE_PYTHON = {"gateway": "3.10", "rasa": "3.10", "actions": "3.10", "backend": "3.10", "mms": "3.11"}
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|_KEY)$")
VAR_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
K8S_VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
# libyaml's safe loader when PyYAML has it (the same documents, several times faster), else PyYAML's own.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Report:
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def ok(self, line: str) -> None:
        self.checked.append(line)

    def bad(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")


# --------------------------------------------------------------------------------------------- helpers


def load_yaml_documents(path: Path, report: Report) -> list[dict[str, Any]]:
    try:
        loaded = yaml.load_all(path.read_text(), Loader=SAFE_LOADER)
        documents = [doc for doc in loaded if doc is not None]
    except yaml.YAMLError as error:
        report.bad(str(path), f"not valid YAML: {error}")
        return []
    for doc in documents:
        if not isinstance(doc, dict):
            report.bad(str(path), "a document is not a mapping")
    return [doc for doc in documents if isinstance(doc, dict)]


def quantity(value: Any) -> float:
    """A Kubernetes quantity as a number (cpu in cores, memory in bytes)."""
    text = str(value)
    units = {
        "m": 1e-3,
        "k": 1e3,
        "M": 1e6,
        "G": 1e9,
        "T": 1e12,
        "Ki": 2**10,
        "Mi": 2**20,
        "Gi": 2**30,
        "Ti": 2**40,
    }
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * units[suffix]
    return float(text)


def image_tag(image: str) -> str | None:
    """The tag of an image reference (None without one); digests count as pinned."""
    if "@sha256:" in image:
        return "@digest"
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def name_of(obj: dict[str, Any]) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


# ------------------------------------------------------------------------------------------ kubernetes


@dataclass
class Manifests:
    objects: list[tuple[Path, dict[str, Any]]]
    kustomization: dict[str, Any] | None
    secret_template: Path | None


def read_manifests(k8s_dir: Path, report: Report) -> Manifests:
    objects: list[tuple[Path, dict[str, Any]]] = []
    kustomization = None
    secret_template = None
    for path in sorted(k8s_dir.rglob("*.y*ml")):
        for doc in load_yaml_documents(path, report):
            if doc.get("kind") == "Kustomization":
                kustomization = doc
            else:
                objects.append((path, doc))
        if path.name == "secret.template.yaml":
            secret_template = path
    return Manifests(objects, kustomization, secret_template)


def check_schemas(manifests: Manifests, version: str, report: Report) -> None:
    import kubernetes_validate

    files = {path for path, _ in manifests.objects}
    for path, obj in manifests.objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = "/".join(str(part) for part in error.path) or "(top)"
            report.bad(f"{path.name} {name_of(obj)}", f"schema {version}: {where}: {error.message}")
        except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as error:
            report.bad(f"{path.name} {name_of(obj)}", f"schema {version}: {error.message}")
    report.ok(
        f"kubernetes: {len(manifests.objects)} objects in {len(files)} files valid against the Kubernetes "
        f"{version} schema (kubernetes-validate, strict)"
    )


def pod_templates(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    kind = obj.get("kind")
    spec = obj.get("spec", {})
    if kind in ("Deployment", "Job"):
        yield spec.get("template", {})
    elif kind == "CronJob":
        yield spec.get("jobTemplate", {}).get("spec", {}).get("template", {})


def check_pod(where: str, template: dict[str, Any], keys: dict[str, set[str]], report: Report) -> None:
    """Non-root, read-only, resources, pinned images, config keys that exist, $(VAR)s defined before use."""
    labels = template.get("metadata", {}).get("labels", {})
    for label in POD_LABELS:
        if label not in labels:
            report.bad(where, f"pod template lacks label {label}")
    spec = template.get("spec", {})
    pod_security = spec.get("securityContext", {})
    if pod_security.get("runAsNonRoot") is not True or pod_security.get("runAsUser") != UID:
        report.bad(where, f"pod must set runAsNonRoot: true and runAsUser: {UID} (the images' user)")
    if spec.get("automountServiceAccountToken") is not False:
        report.bad(where, "automountServiceAccountToken must be false (no pod talks to the API server)")
    for container in spec.get("containers", []) + spec.get("initContainers", []):
        cwhere = f"{where} container {container.get('name')}"
        tag = image_tag(container.get("image", ""))
        if tag in (None, "latest"):
            report.bad(cwhere, f"image {container.get('image')!r} is not pinned to a version")
        security = container.get("securityContext", {})
        if security.get("allowPrivilegeEscalation") is not False:
            report.bad(cwhere, "allowPrivilegeEscalation must be false")
        if security.get("readOnlyRootFilesystem") is not True:
            report.bad(cwhere, "readOnlyRootFilesystem must be true")
        if "ALL" not in security.get("capabilities", {}).get("drop", []):
            report.bad(cwhere, "capabilities must drop ALL")
        resources = container.get("resources", {})
        for resource in ("cpu", "memory"):
            request = resources.get("requests", {}).get(resource)
            limit = resources.get("limits", {}).get(resource)
            if request is None or limit is None:
                report.bad(cwhere, f"needs both a {resource} request and a {resource} limit")
            elif quantity(limit) < quantity(request):
                report.bad(cwhere, f"{resource} limit {limit} is below its request {request}")
        defined: set[str] = set()
        for source in container.get("envFrom", []):
            for ref_kind, store in (("configMapRef", CONFIGMAP), ("secretRef", SECRET)):
                ref = source.get(ref_kind)
                if ref is None:
                    continue
                if ref.get("name") != store:
                    report.bad(cwhere, f"envFrom {ref_kind} must name {store}")
                else:  # every key becomes a variable
                    keys[f"used:{store}"] |= keys[store]
                    defined |= {source.get("prefix", "") + key for key in keys[store]}
        for env in container.get("env", []):
            source = env.get("valueFrom", {})
            for ref_kind, store in (("configMapKeyRef", CONFIGMAP), ("secretKeyRef", SECRET)):
                ref = source.get(ref_kind)
                if ref is None:
                    continue
                if ref.get("name") != store:
                    report.bad(cwhere, f"{env.get('name')}: {ref_kind} must name {store}")
                elif ref.get("key") not in keys[store]:
                    report.bad(cwhere, f"{env.get('name')}: key {ref.get('key')!r} is not in {store}")
                else:
                    keys[f"used:{store}"].add(ref["key"])
            for var in K8S_VAR_REF.findall(str(env.get("value", ""))):
                if var not in defined:
                    report.bad(cwhere, f"{env.get('name')} uses $({var}) before it is defined")
            defined.add(env.get("name", ""))
        for arg in container.get("args", []) + container.get("command", []):
            for var in K8S_VAR_REF.findall(str(arg)):
                if var not in defined:
                    report.bad(cwhere, f"argument {arg!r} uses $({var}), which is not in its env")


def check_probes(where: str, component: str, container: dict[str, Any], report: Report) -> None:
    port_names = {port.get("name") for port in container.get("ports", [])}
    port_numbers = {port.get("containerPort") for port in container.get("ports", [])}
    if PORTS[component] not in port_numbers:
        report.bad(where, f"does not declare containerPort {PORTS[component]}")
    liveness_path, readiness_path = PROBES[component]
    for probe_name, path in (("livenessProbe", liveness_path), ("readinessProbe", readiness_path)):
        probe = container.get(probe_name)
        if not probe:
            report.bad(where, f"has no {probe_name}")
            continue
        http = probe.get("httpGet", {})
        if http.get("path") != path:
            report.bad(where, f"{probe_name} must GET {path}, not {http.get('path')}")
        if http.get("port") not in port_names | port_numbers:
            report.bad(where, f"{probe_name} port {http.get('port')!r} is not a port of the container")
    startup = container.get("startupProbe")
    if startup and startup.get("httpGet", {}).get("port") not in port_names | port_numbers:
        report.bad(where, "startupProbe port is not a port of the container")


def check_rasa_container(where: str, container: dict[str, Any], report: Report) -> None:
    """As Rasa's Helm chart: container rasa-oss, the image's entrypoint, `run --enable-api …` arguments."""
    if container.get("name") != "rasa-oss":
        report.bad(where, "the Rasa container is named rasa-oss in Rasa's Helm chart")
    if container.get("command"):
        report.bad(where, "the Rasa container keeps the image's entrypoint (args only, as the chart)")
    args = [str(arg) for arg in container.get("args", [])]
    if not args or args[0] != "run" or "--enable-api" not in args or "--model" not in args:
        report.bad(where, "args must start with run and contain --enable-api and --model")
    for flag, value in RASA_ARG_PAIRS.items():
        if flag not in args or args.index(flag) + 1 >= len(args) or args[args.index(flag) + 1] != value:
            report.bad(where, f"args must contain {flag} {value}")
    for arg in args:
        if arg.split("=", 1)[0] in SECRET_FLAGS or re.search(r"\$\(\w*(SECRET|TOKEN|PASSWORD|KEY)\w*\)", arg):
            report.bad(where, f"a secret on argv ({arg}): secrets come from the environment only")


def allowed_sources(policies: list[dict[str, Any]], pods: dict[str, dict[str, str]], report: Report) -> dict:
    """component -> ANY or the set of components whose pods may connect to it."""
    allowed: dict[str, Any] = {}
    for policy in policies:
        spec = policy.get("spec", {})
        if "Ingress" not in spec.get("policyTypes", ["Ingress"]):
            continue
        selector = spec.get("podSelector", {})
        if set(selector) - {"matchLabels"}:
            report.bad(name_of(policy), "the validator reads only matchLabels selectors")
        match = selector.get("matchLabels", {})
        targets = [c for c, labels in pods.items() if not match or selects(match, labels)]
        for target in targets:
            allowed.setdefault(target, set())
        for rule in spec.get("ingress", []):
            for port in rule.get("ports", []):
                for target in targets:
                    if port.get("port") != PORTS[target]:
                        report.bad(
                            name_of(policy), f"opens port {port.get('port')} of {target}, not its port"
                        )
            sources: Any = set()
            if not rule.get("from"):
                sources = ANY
            for peer in rule.get("from", []):
                if set(peer) != {"podSelector"} or set(peer["podSelector"]) - {"matchLabels"}:
                    report.bad(name_of(policy), "the validator reads only podSelector.matchLabels peers")
                    continue
                peer_match = peer["podSelector"].get("matchLabels", {})
                sources |= {c for c, labels in pods.items() if not peer_match or selects(peer_match, labels)}
            for target in targets:
                if sources == ANY or allowed[target] == ANY:
                    allowed[target] = ANY
                else:
                    allowed[target] |= sources
    return allowed


def check_kubernetes(k8s_dir: Path, version: str, report: Report, schemas: bool = True) -> None:
    manifests = read_manifests(k8s_dir, report)
    if not manifests.objects:
        report.bad(str(k8s_dir), "no manifests found")
        return
    if schemas:
        check_schemas(manifests, version, report)
    by_kind: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
    for path, obj in manifests.objects:
        by_kind.setdefault(obj.get("kind", "?"), []).append((path, obj))
        meta = obj.get("metadata", {})
        where = f"{path.name} {name_of(obj)}"
        if obj.get("kind") != "Namespace" and meta.get("namespace") != NAMESPACE:
            report.bad(where, f"metadata.namespace must be {NAMESPACE}")
        for label in OBJECT_LABELS:
            if label not in meta.get("labels", {}):
                report.bad(where, f"lacks label {label}")

    # ConfigMap and the Secret template: the keys pods may reference.
    keys: dict[str, set[str]] = {
        CONFIGMAP: set(),
        SECRET: set(),
        f"used:{CONFIGMAP}": set(),
        f"used:{SECRET}": set(),
    }
    for _, obj in by_kind.get("ConfigMap", []):
        keys[CONFIGMAP] |= set(obj.get("data", {}))
    secrets = by_kind.get("Secret", [])
    if manifests.secret_template is None or len(secrets) != 1:
        report.bad(str(k8s_dir), "needs exactly one Secret, in secret.template.yaml")
    for path, obj in secrets:
        values = {**obj.get("stringData", {}), **obj.get("data", {})}
        keys[SECRET] |= set(values)
        for key, value in values.items():
            if value not in ("", None):
                report.bad(f"{path.name} {key}", "the template must hold no value (no real secret in git)")
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            match = re.match(r"^  ([A-Z][A-Z0-9_]*):", line)
            if match and not lines[number - 1].lstrip().startswith("#"):
                report.bad(
                    f"{path.name} {match.group(1)}", "every key needs a comment above it saying what it is"
                )

    # Deployments, their pods and containers.
    pods: dict[str, dict[str, str]] = {}
    containers: dict[str, dict[str, Any]] = {}
    deployments = by_kind.get("Deployment", [])
    for path, obj in deployments:
        where = f"{path.name} {name_of(obj)}"
        spec = obj.get("spec", {})
        template = spec.get("template", {})
        labels = template.get("metadata", {}).get("labels", {})
        component = K8S_COMPONENTS.get(labels.get("app.kubernetes.io/name", ""))
        if component is None:
            report.bad(where, f"unknown app.kubernetes.io/name {labels.get('app.kubernetes.io/name')!r}")
            continue
        pods[component] = labels
        if not selects(spec.get("selector", {}).get("matchLabels", {}), labels):
            report.bad(where, "selector.matchLabels does not match the pod template's labels")
        if component in AUTOSCALED and "replicas" in spec:
            report.bad(where, "autoscaled: leave replicas to the HorizontalPodAutoscaler (as Rasa's chart)")
        if component not in AUTOSCALED and spec.get("replicas", 1) < 2:
            report.bad(where, "needs at least 2 replicas")
        check_pod(where, template, keys, report)
        main = template.get("spec", {}).get("containers", [{}])[0]
        containers[component] = main
        check_probes(where, component, main, report)
        if component == "rasa":
            check_rasa_container(where, main, report)
        elif main.get("command") != COMMANDS[component]:
            report.bad(where, f"command must be {COMMANDS[component]}, not {main.get('command')}")
    for component in ("gateway", "rasa", "actions", "backend"):
        if component not in pods:
            report.bad(str(k8s_dir), f"no Deployment for {component}")

    for kind in ("Job", "CronJob"):
        for path, obj in by_kind.get(kind, []):
            for template in pod_templates(obj):
                check_pod(f"{path.name} {name_of(obj)}", template, keys, report)
    jobs = by_kind.get("Job", [])
    if not any(
        t.get("spec", {}).get("containers", [{}])[0].get("command") == MIGRATE
        and t.get("spec", {}).get("restartPolicy") == "Never"
        for _, job in jobs
        for t in pod_templates(job)
    ):
        report.bad(str(k8s_dir), f"no migration Job running {' '.join(MIGRATE)} with restartPolicy Never")

    for path, obj in by_kind.get("Service", []):
        where = f"{path.name} {name_of(obj)}"
        selector = obj.get("spec", {}).get("selector", {})
        matched = [c for c, labels in pods.items() if selects(selector, labels)]
        if len(matched) != 1:
            report.bad(where, f"selector must match exactly one Deployment's pods, matches {matched}")
            continue
        names = {port.get("name") for port in containers[matched[0]].get("ports", [])}
        for port in obj.get("spec", {}).get("ports", []):
            if port.get("targetPort") not in names | {PORTS[matched[0]]}:
                report.bad(where, f"targetPort {port.get('targetPort')!r} is not a port of {matched[0]}")
            if port.get("port") != PORTS[matched[0]]:
                report.bad(where, f"port {port.get('port')} is not the interface's {PORTS[matched[0]]}")

    for path, obj in by_kind.get("PodDisruptionBudget", []):
        selector = obj.get("spec", {}).get("selector", {}).get("matchLabels", {})
        if not any(selects(selector, labels) for labels in pods.values()):
            report.bad(f"{path.name} {name_of(obj)}", "selects no Deployment's pods")
    for component in ("gateway", "rasa", "actions", "backend"):
        if not any(
            selects(o.get("spec", {}).get("selector", {}).get("matchLabels", {}), pods.get(component, {}))
            for _, o in by_kind.get("PodDisruptionBudget", [])
        ):
            report.bad(str(k8s_dir), f"no PodDisruptionBudget for {component}")

    deployment_names = {obj["metadata"]["name"]: obj for _, obj in deployments}
    autoscaled = set()
    for path, obj in by_kind.get("HorizontalPodAutoscaler", []):
        where = f"{path.name} {name_of(obj)}"
        spec = obj.get("spec", {})
        target = deployment_names.get(spec.get("scaleTargetRef", {}).get("name"))
        if spec.get("scaleTargetRef", {}).get("kind") != "Deployment" or target is None:
            report.bad(where, "scaleTargetRef names no Deployment here")
            continue
        labels = target["spec"]["template"]["metadata"]["labels"]
        autoscaled.add(K8S_COMPONENTS.get(labels.get("app.kubernetes.io/name", "")))
        if spec.get("minReplicas", 1) < 2:
            report.bad(where, "minReplicas must be at least 2")
    if autoscaled != AUTOSCALED:
        report.bad(
            str(k8s_dir), f"HorizontalPodAutoscalers must target {sorted(AUTOSCALED)}, not {autoscaled}"
        )

    for store in (CONFIGMAP, SECRET):
        for key in sorted(keys[store] - keys[f"used:{store}"]):
            report.bad(store, f"key {key} is used by no pod")

    policies = [obj for _, obj in by_kind.get("NetworkPolicy", [])]
    if not any(
        p.get("spec", {}).get("podSelector") == {} and not p.get("spec", {}).get("ingress") for p in policies
    ):
        report.bad("NetworkPolicy", "no default-deny ingress policy (podSelector: {}, no ingress rules)")
    allowed = allowed_sources(policies, pods, report)
    for component in pods:
        got = allowed.get(component, ANY)
        expected = INGRESS[component]
        if got != expected:
            shown = got if got == ANY else sorted(got)
            report.bad("NetworkPolicy", f"{component} accepts connections from {shown}, intended {expected}")
    matrix = "; ".join(
        f"{c} <- {'any' if allowed.get(c, ANY) == ANY else ', '.join(sorted(allowed[c])) or 'nobody'}"
        for c in pods
    )
    report.ok(f"kubernetes: who may connect (NetworkPolicy ingress): {matrix}")

    check_kustomization(k8s_dir, manifests.kustomization, report)
    counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(by_kind.items()))
    report.ok(
        f"kubernetes: {counts}: labels, selectors, probes, resources, non-root/read-only pods, pinned "
        "images, config keys, Rasa's chart layout, HPA targets, migration Job, Secret template"
    )


def check_kustomization(k8s_dir: Path, kustomization: dict[str, Any] | None, report: Report) -> None:
    if kustomization is None:
        report.bad(str(k8s_dir), "no kustomization.yaml")
        return
    listed = set(kustomization.get("resources", []))
    for resource in sorted(listed):
        if not (k8s_dir / resource).is_file():
            report.bad("kustomization.yaml", f"resource {resource} does not exist")
    for path in sorted(k8s_dir.glob("*.y*ml")):
        if path.name not in NOT_APPLIED and path.name not in listed:
            report.bad("kustomization.yaml", f"{path.name} is not listed in resources")
    for image in kustomization.get("images", []):
        if image.get("newTag") in (None, "", "latest"):
            report.bad("kustomization.yaml", f"image {image.get('name')} needs a pinned newTag")
    report.ok(f"kubernetes: kustomization.yaml lists {len(listed)} files, all present")


# --------------------------------------------------------------------------------------------- compose


def resolve_default(text: str) -> str:
    """${VAR:-default} / ${VAR-default} -> default; ${VAR} / ${VAR:?…} -> '' (what Compose would need)."""

    def replace(match: re.Match[str]) -> str:
        return match.group(3) if match.group(2) in (":-", "-") else ""

    return VAR_REF.sub(replace, text)


def walk_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_strings(item)


def check_compose(deploy_dir: Path, report: Report) -> None:
    path = deploy_dir / "compose.yml"
    where = "compose.yml"
    if not path.is_file():
        report.bad(where, "missing")
        return
    documents = load_yaml_documents(path, report)
    if len(documents) != 1:
        report.bad(where, "must be one YAML document")
        return
    compose = documents[0]
    services: dict[str, Any] = compose.get("services", {})
    if set(services) != set(COMPOSE_DEPENDS):
        report.bad(where, f"services must be {sorted(COMPOSE_DEPENDS)}, are {sorted(services)}")

    env_example = deploy_dir / "env.example"
    documented = (
        set(re.findall(r"^([A-Z][A-Z0-9_]*)=", env_example.read_text(), re.M))
        if env_example.is_file()
        else set()
    )
    if not documented:
        report.bad("env.example", "missing or empty: Compose's ${VAR}s must be documented there")
    for text in walk_strings(compose):
        for var, _, _ in VAR_REF.findall(text):
            if var not in documented:
                report.bad(where, f"${{{var}}} is not in env.example")

    for name, service in services.items():
        swhere = f"{where} {name}"
        if "image" not in service and "build" not in service:
            report.bad(swhere, "needs an image or a build")
        image = resolve_default(str(service.get("image", "")))
        if "image" in service and image_tag(image) in (None, "", "latest"):
            report.bad(swhere, f"image {service['image']!r} is not pinned to a version")
        if name in COMPOSE_BASE_IMAGES and not image.startswith(COMPOSE_BASE_IMAGES[name]):
            report.bad(swhere, f"image must be {COMPOSE_BASE_IMAGES[name]}…, is {image}")
        build = service.get("build")
        if build is not None:
            dockerfile = (
                deploy_dir / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
            ).resolve()
            expected = (deploy_dir / "docker" / f"{COMPOSE_DOCKERFILES.get(name, '?')}.Dockerfile").resolve()
            if dockerfile != expected or not dockerfile.is_file():
                report.bad(swhere, f"build must use {expected.relative_to(deploy_dir.parent)}")
        health = service.get("healthcheck")
        if not health:
            report.bad(swhere, "has no healthcheck")
        elif health.get("disable") and not (name == "migrate" and service.get("restart") == "no"):
            report.bad(swhere, "only the one-off migrate may disable its healthcheck")
        elif not health.get("disable") and not health.get("test"):
            report.bad(swhere, "healthcheck has no test")
        replicas = service.get("deploy", {}).get("replicas", 1)
        if replicas != COMPOSE_REPLICAS.get(name, 1):
            report.bad(swhere, f"replicas {replicas}, intended {COMPOSE_REPLICAS.get(name, 1)}")
        if COMPOSE_REPLICAS.get(name) and service.get("read_only") is not True:
            report.bad(swhere, "read_only must be true (as the read-only root filesystem in Kubernetes)")
        depends = service.get("depends_on", {})
        if isinstance(depends, list):
            depends = {dep: {"condition": "service_started"} for dep in depends}
        got = {dep: spec.get("condition", "service_started") for dep, spec in depends.items()}
        if got != COMPOSE_DEPENDS.get(name, {}):
            report.bad(swhere, f"depends_on {got}, intended {COMPOSE_DEPENDS.get(name, {})}")
        ports = [str(port) for port in service.get("ports", [])]
        if ports != PUBLISHED.get(name, []):
            report.bad(swhere, f"publishes {ports}, intended {PUBLISHED.get(name, [])}")
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith("./") and not (deploy_dir / source).exists():
                report.bad(swhere, f"mounts {source}, which does not exist")
    command = services.get("migrate", {}).get("command")
    if command != MIGRATE:
        report.bad(f"{where} migrate", f"command must be {MIGRATE}")
    if services.get("migrate", {}).get("restart") != "no":
        report.bad(f"{where} migrate", 'a one-off: restart must be "no"')
    report.ok(
        f"compose: {len(services)} services: image/build, pinned images, healthchecks, replicas "
        f"({', '.join(f'{k} {v}' for k, v in COMPOSE_REPLICAS.items())}), depends_on with conditions "
        "(migrate before the backends), only nginx :8000 published, every ${VAR} in env.example"
    )


# ------------------------------------------------------------------------------------------ dockerfiles


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped (enough for these checks)."""
    instructions: list[Instruction] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        pending += stripped
        keyword, _, args = pending.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        pending = ""
    return instructions


def exec_form(args: str) -> list[str] | None:
    try:
        value = json.loads(args)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def check_dockerfile(service: str, path: Path, repo_root: Path, report: Report) -> None:
    where = f"{path.name}"
    if not path.is_file():
        report.bad(where, "missing")
        return
    text = path.read_text()
    if not re.match(r"# syntax=docker/dockerfile:\d+(\.\d+)*\n", text):
        report.bad(where, "first line must pin the frontend: # syntax=docker/dockerfile:<version>")
    instructions = parse_dockerfile(text)
    arg_defaults: dict[str, str] = {}
    stages: list[tuple[str, list[Instruction]]] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            parts = ins.args.split()
            alias = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else ""
            stages.append((alias, [ins]))
        elif stages:
            stages[-1][1].append(ins)
        elif ins.keyword == "ARG":
            name, _, default = ins.args.partition("=")
            arg_defaults[name] = default.strip('"')
        if ins.keyword == "ADD":
            report.bad(f"{where}:{ins.line}", "use COPY, not ADD (no downloads or auto-extraction)")
        if "latest" in re.findall(r":([\w.-]+)", ins.args) and ins.keyword in ("FROM", "ARG"):
            report.bad(f"{where}:{ins.line}", "a 'latest' tag")
    if len(stages) < 2:
        report.bad(where, "must be multi-stage (a builder and a runtime stage)")
        return
    aliases = {alias for alias, _ in stages if alias}
    python = DOCKERFILE_PYTHON[service]
    for _, body in stages:
        image = body[0].args.split()[0]
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: arg_defaults.get(m.group(1), ""), image)
        if image in aliases:
            continue
        if image_tag(image) in (None, "", "latest"):
            report.bad(f"{where}:{body[0].line}", f"base image {image!r} is not pinned")
        elif not image.startswith(f"python:{python}-slim-bookworm"):
            report.bad(
                f"{where}:{body[0].line}", f"base image must be python:{python}-slim-bookworm, is {image}"
            )
    builder = next((body for alias, body in stages if alias == "builder"), None)
    if builder is None or not any("python -m venv" in ins.args for ins in builder):
        report.bad(where, "needs a stage 'builder' that makes a venv (python -m venv)")
    final = stages[-1][1]
    final_args = " ".join(ins.args for ins in final)
    if not any(ins.keyword == "COPY" and "--from=builder" in ins.args for ins in final):
        report.bad(where, "the runtime stage must COPY --from=builder")
    users = [ins for ins in final if ins.keyword == "USER"]
    if not users or users[-1].args.split(":")[0] != str(UID):
        report.bad(where, f"the runtime stage must end as USER {UID} (numeric, non-root)")
    if f"--uid {UID}" not in final_args:
        report.bad(where, f"the runtime stage must create the user with --uid {UID}")
    port = PORTS[service]
    if not any(ins.keyword == "EXPOSE" and ins.args.split("/")[0] == str(port) for ins in final):
        report.bad(where, f"must EXPOSE {port}")
    health = [ins for ins in final if ins.keyword == "HEALTHCHECK"]
    path_expected = PROBES[service][1]
    if not health or f"127.0.0.1:{port}{path_expected}" not in health[-1].args:
        report.bad(where, f"needs a HEALTHCHECK on http://127.0.0.1:{port}{path_expected}")
    cmd = next((exec_form(ins.args) for ins in reversed(final) if ins.keyword == "CMD"), None)
    entrypoint = next((exec_form(ins.args) for ins in reversed(final) if ins.keyword == "ENTRYPOINT"), None)
    if service == "rasa":
        if not entrypoint or not entrypoint[-1].endswith("rasa-entrypoint.sh"):
            report.bad(where, "ENTRYPOINT must be deploy/docker/rasa-entrypoint.sh")
        script = repo_root / "deploy/docker/rasa-entrypoint.sh"
        if not script.is_file() or 'exec python -m bot.server "$@"' not in script.read_text():
            report.bad("rasa-entrypoint.sh", 'must end in exec python -m bot.server "$@"')
        if not cmd or cmd[0] != "run" or "--enable-api" not in cmd:
            report.bad(where, "CMD must be the Rasa CLI's run --enable-api … arguments")
        for flag, value in RASA_ARG_PAIRS.items():
            if not cmd or flag not in cmd or cmd[cmd.index(flag) + 1 : cmd.index(flag) + 2] != [value]:
                report.bad(where, f"CMD must contain {flag} {value}")
        if not any(
            ins.keyword == "ARG" and ins.args.startswith("MODEL_FILE") for _, b in stages for ins in b
        ):
            report.bad(where, "needs ARG MODEL_FILE (the model baked in)")
        if not any(ins.keyword == "ENV" and "MODEL_URL=" in ins.args for ins in final):
            report.bad(where, "needs ENV MODEL_URL (the model fetched at start)")
    elif cmd != COMMANDS[service] or entrypoint:
        report.bad(where, f"CMD must be {COMMANDS[service]} with no ENTRYPOINT")
    if service == "gateway":
        if not any(ins.keyword == "RUN" and "espeak-ng" in ins.args for ins in final):
            report.bad(where, "the runtime stage must install Debian's espeak-ng")
        builder_text = " ".join(ins.args for ins in builder or [])
        if "setup_whisper.py" not in builder_text or "WHISPER_MODEL_DIR" not in builder_text:
            report.bad(
                where, "the builder must join Whisper with scripts/setup_whisper.py (WHISPER_MODEL_DIR)"
            )
        if not any(ins.keyword == "ENV" and "WHISPER_MODEL=" in ins.args for ins in final):
            report.bad(where, "needs ENV WHISPER_MODEL pointing at the joined model")
    if service == "mms":
        builder_text = " ".join(ins.args for ins in builder or [])
        if (
            "https://download.pytorch.org/whl/cpu" not in builder_text
            or "voice/mms/requirements.txt" not in text
        ):
            report.bad(
                where, "must install voice/mms/requirements.txt with CPU torch from PyTorch's CPU index"
            )
    for ins in instructions:
        if ins.keyword == "ENV":
            for name, value in re.findall(r"([A-Z][A-Z0-9_]*)=(\"[^\"]*\"|\S*)", ins.args):
                if SECRET_NAME.search(name) and value.strip('"'):
                    report.bad(f"{where}:{ins.line}", f"ENV {name} bakes a secret into the image")
        if ins.keyword == "COPY" and "--from=" not in ins.args:
            sources = [s for s in ins.args.split()[:-1] if not s.startswith("--")]
            for source in sources:
                if source != "." and source != "models/" and not (repo_root / source).exists():
                    report.bad(f"{where}:{ins.line}", f"COPY source {source} does not exist")


def check_dockerignore(repo_root: Path, deploy_dir: Path, report: Report) -> None:
    root = repo_root / ".dockerignore"
    if not root.is_file():
        report.bad(".dockerignore", "missing at the repository root (the build context)")
        return
    lines = {
        line.strip() for line in root.read_text().splitlines() if line.strip() and not line.startswith("#")
    }
    for needed in (".git", ".venv", "var", "models", "tests", "**/node_modules"):
        if needed not in lines:
            report.bad(".dockerignore", f"must exclude {needed}")
    if "deploy/docker" in lines or "deploy" in lines:
        report.bad(".dockerignore", "must keep deploy/docker (the images' helper scripts)")
    rasa = deploy_dir / "docker" / "rasa.Dockerfile.dockerignore"
    if not rasa.is_file():
        report.bad(rasa.name, "missing: the Rasa image needs models/ in its context")
    else:
        rasa_lines = {line.strip() for line in rasa.read_text().splitlines() if not line.startswith("#")}
        if "models" in rasa_lines or "models/" in rasa_lines:
            report.bad(rasa.name, "must not exclude models/")


def check_scripts(deploy_dir: Path, report: Report) -> None:
    scripts = sorted(deploy_dir.rglob("*.sh"))
    for script in scripts:
        shell = "bash" if "bash" in script.read_text().splitlines()[0] else "sh"
        if shutil.which(shell) is None:
            continue
        result = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            report.bad(script.name, f"{shell} -n: {result.stderr.strip()}")
    report.ok(f"scripts: {len(scripts)} shell scripts parse ({', '.join(s.name for s in scripts)})")


def check_docker(repo_root: Path, deploy_dir: Path, report: Report) -> None:
    for service in DOCKERFILE_PYTHON:
        check_dockerfile(service, deploy_dir / "docker" / f"{service}.Dockerfile", repo_root, report)
    check_dockerignore(repo_root, deploy_dir, report)
    report.ok(
        f"docker: {len(DOCKERFILE_PYTHON)} Dockerfiles: multi-stage with a builder venv, pinned slim bases, "
        f"USER {UID}, HEALTHCHECK and EXPOSE on the interface's port, the interface's command, Rasa's "
        "MODEL_FILE/MODEL_URL, Whisper and espeak-ng in the gateway, CPU torch for MMS, COPY sources, "
        "no secret in ENV; .dockerignore files"
    )


# ---------------------------------------------------------------------------- the runtime's environment

# Each service's module-level CLUSTER_SECRETS: what it refuses to start without under CLUSTER_MODE=true
# (service/environment.py). Read from the source with ast, never imported (the runtime needs Rasa).
CLUSTER_SECRETS_SOURCES = {
    "rasa": "bot/server.py",
    "gateway": "gateway/settings.py",
    "actions": "actions/server.py",
    "backend": "backend/config.py",
}
# Rasa fills every ${VAR} of its endpoints file from the environment and stops at start on a missing one.
RASA_ENDPOINTS = "bot/endpoints.cluster.yml"
# `python -m backend.cli <command>` (the migration Job, the CronJobs): its COMMANDS dict names the commands.
BACKEND_CLI = "backend/cli.py"
# Where the runtime reads its environment: the code inside the images (a variable nothing there names is
# set for nothing). Python string constants that are exactly a name, f-strings making one (MMS_TTS_{…}_DIR),
# pydantic BaseSettings fields, and ${VAR}/$VAR in YAML and shell files.
RUNTIME_DIRS = (
    "actions",
    "backend",
    "bot",
    "dialects",
    "gateway",
    "languages",
    "privacy",
    "service",
    "voice",
)
RUNTIME_IMAGE_HELPERS = "deploy/docker"
THIRD_PARTY_READERS = {"PGSSLMODE": "libpq, under Rasa's SQL tracker store and event broker"}
PROVIDERS = ("SMS_PROVIDER", "ID_CHECK_PROVIDER", "LIVENESS_PROVIDER", "BANK_PROVIDER")
# What a container needs beside its secrets, and the value it must have (None: any). The runtime's defaults
# are a single machine's: 127.0.0.1 for listening and for the other services, migrations at start.
SETTINGS: dict[str, dict[str, str | None]] = {
    "rasa": {"SANDBOX_MODE": None},
    "gateway": {
        "GATEWAY_HOST": "0.0.0.0",
        "PORT": str(PORTS["gateway"]),
        "RASA_URL": None,
        "ACTIONS_URL": None,
        "BACKEND_URL": None,
        "SANDBOX_MODE": None,
    },
    "actions": {"ACTIONS_HOST": "0.0.0.0", "ACTIONS_PORT": str(PORTS["actions"]), "BACKEND_URL": None},
    "backend": {
        "BACKEND_HOST": "0.0.0.0",
        "BACKEND_PORT": str(PORTS["backend"]),
        "BACKEND_DATABASE_URL": None,
        "BACKEND_MIGRATE_ON_START": "false",
        "RECORDINGS_DIR": None,
        "SANDBOX_MODE": None,
        **dict.fromkeys(PROVIDERS),
    },
    "mms": {"MMS_HOST": "0.0.0.0", "MMS_PORT": str(PORTS["mms"])},
    # backend.cli reads the backend's settings (Settings.from_env), so it needs the backend's secrets too.
    "backend.cli migrate": {"BACKEND_DATABASE_URL": None, "SANDBOX_MODE": None},
    "backend.cli verify-audit": {"BACKEND_DATABASE_URL": None, "RECORDINGS_DIR": None, "SANDBOX_MODE": None},
    # purge builds the backend's whole service context: providers included.
    "backend.cli purge": {
        "BACKEND_DATABASE_URL": None,
        "RECORDINGS_DIR": None,
        "SANDBOX_MODE": None,
        **dict.fromkeys(PROVIDERS),
    },
}
# The same secret or setting at every end: wherever these are set (within Kubernetes, within Compose), they
# must come from the same place. BACKEND_TOKEN differs per caller: it must be the caller's entry of the
# backend's BACKEND_TOKENS ("actions:<token>,gateway:<token>").
SHARED = (
    "CLUSTER_MODE",
    "SANDBOX_MODE",
    "RASA_JWT_SECRET",
    "GATEWAY_CHANNEL_TOKEN",
    "ACTIONS_TOKEN",
    "BACKEND_DATA_KEY",
    "BACKEND_TOKENS",
    "ADMIN_TOKENS",
    "BACKEND_DATABASE_URL",
    "RECORDINGS_DIR",
)
BACKEND_CALLERS = ("actions", "gateway")
NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


@dataclass
class Runtime:
    """What the runtime's source says it needs, read without importing it."""

    secrets: dict[str, tuple[str, ...]]  # component -> CLUSTER_SECRETS
    endpoints: tuple[str, ...]  # the ${VAR}s of bot/endpoints.cluster.yml
    cli_commands: frozenset[str]
    reads: frozenset[str]  # every variable name the runtime's code names
    read_patterns: tuple[str, ...]  # names the code builds (f"MMS_TTS_{code}_DIR"), as regular expressions
    problems: tuple[str, ...]


def module_assignment(tree: ast.Module, name: str) -> ast.expr | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return node.value
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return node.value
    return None


def name_pattern(node: ast.JoinedStr) -> str | None:
    """f"MMS_TTS_{code.upper()}_DIR" -> MMS_TTS_[A-Z0-9_]+_DIR; None for an f-string that makes no name."""
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            if not re.fullmatch(r"[A-Z0-9_]+", value.value):
                return None
            parts.append(re.escape(value.value))
        else:
            parts.append("[A-Z0-9_]+")
    fixed = [v for v in node.values if isinstance(v, ast.Constant)]
    if not fixed or not isinstance(node.values[0], ast.Constant) or sum(len(v.value) for v in fixed) < 6:
        return None
    return "".join(parts)


def names_in_python(tree: ast.Module) -> tuple[set[str], set[str]]:
    names = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value)
    }
    patterns = {p for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) and (p := name_pattern(node))}
    for node in ast.walk(tree):  # pydantic BaseSettings: each field is read from its upper-cased name
        if isinstance(node, ast.ClassDef) and any(
            (isinstance(b, ast.Name) and b.id == "BaseSettings")
            or (isinstance(b, ast.Attribute) and b.attr == "BaseSettings")
            for b in node.bases
        ):
            names |= {
                item.target.id.upper()
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            }
    return names, patterns


@functools.lru_cache(maxsize=4)
def read_runtime(repo_root: Path) -> Runtime:
    problems: list[str] = []
    secrets: dict[str, tuple[str, ...]] = {}
    for component, relative in CLUSTER_SECRETS_SOURCES.items():
        path = repo_root / relative
        try:
            value = module_assignment(ast.parse(path.read_text(), str(path)), "CLUSTER_SECRETS")
            names = ast.literal_eval(value) if value is not None else None
        except (OSError, SyntaxError, ValueError) as error:
            problems.append(f"{relative}: cannot read CLUSTER_SECRETS ({error})")
            continue
        if not isinstance(names, tuple) or not all(isinstance(n, str) and NAME.match(n) for n in names):
            problems.append(f"{relative}: no module-level CLUSTER_SECRETS tuple of variable names")
            continue
        secrets[component] = names
    endpoints: tuple[str, ...] = ()
    try:
        document = yaml.load((repo_root / RASA_ENDPOINTS).read_text(), Loader=SAFE_LOADER)
        found = (match for text in walk_strings(document) for match in VAR_REF.findall(text))
        endpoints = tuple(dict.fromkeys(var for var, _, _ in found))
    except (OSError, yaml.YAMLError) as error:
        problems.append(f"{RASA_ENDPOINTS}: cannot read it ({error})")
    if not endpoints:
        problems.append(
            f"{RASA_ENDPOINTS}: no ${{VAR}} found (the cluster's Rasa reads its stores from them)"
        )
    commands: frozenset[str] = frozenset()
    try:
        value = module_assignment(ast.parse((repo_root / BACKEND_CLI).read_text()), "COMMANDS")
        if isinstance(value, ast.Dict):
            commands = frozenset(
                k.value for k in value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
            )
    except (OSError, SyntaxError) as error:
        problems.append(f"{BACKEND_CLI}: cannot read COMMANDS ({error})")
    if not commands:
        problems.append(f"{BACKEND_CLI}: no module-level COMMANDS dict")
    reads: set[str] = set()
    patterns: set[str] = set()
    files = [path for d in RUNTIME_DIRS for path in sorted((repo_root / d).rglob("*"))]
    files += sorted((repo_root / RUNTIME_IMAGE_HELPERS).glob("*"))
    for path in files:
        if "node_modules" in path.parts or not path.is_file():
            continue
        if path.suffix == ".py":
            try:
                names, built = names_in_python(ast.parse(path.read_text(), str(path)))
                reads |= names
                patterns |= built
            except (SyntaxError, UnicodeDecodeError, ValueError) as error:
                problems.append(f"{path.relative_to(repo_root)}: cannot parse ({error})")
        elif path.suffix in (".yml", ".yaml", ".sh"):
            text = path.read_text(errors="replace")
            reads |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", text))
    return Runtime(secrets, endpoints, commands, frozenset(reads), tuple(sorted(patterns)), tuple(problems))


def runtime_reads(runtime: Runtime, var: str) -> bool:
    return var in runtime.reads or any(re.fullmatch(p, var) for p in runtime.read_patterns)


@dataclass
class Unit:
    """One container (Kubernetes) or service (Compose) running our code, with its environment resolved:
    "<secret KEY>" for a Secret's key, a ConfigMap's value, ${VAR} for what Compose takes from .env."""

    where: str
    role: str  # a component (rasa, gateway, actions, backend, mms) or the command: backend.cli migrate
    command: list[str]
    env: dict[str, str]
    may_be_empty: set[str] = field(default_factory=set)  # Compose: ${VAR}/${VAR:-} with an empty default
    internal: set[str] = field(default_factory=set)  # Kubernetes: named only to build others, $(VAR)
    imported: set[str] = field(default_factory=set)  # Kubernetes: every key of an envFrom, read or not
    mounts: set[str] = field(default_factory=set)


def command_role(command: list[str]) -> str | None:
    if command[:2] != ["python", "-m"] or len(command) < 3:
        return None
    return " ".join(command[2:])


def secrets_component(role: str) -> str | None:
    """The component whose CLUSTER_SECRETS a role needs: its own, or the package its command runs."""
    if role in CLUSTER_SECRETS_SOURCES:
        return role
    package = role.split(".", 1)[0].split(" ", 1)[0]
    return package if package in CLUSTER_SECRETS_SOURCES else None


def k8s_units(k8s_dir: Path) -> list[Unit]:
    manifests = read_manifests(k8s_dir, Report())  # problems of their own are reported by check_kubernetes
    configmap: dict[str, str] = {}
    secret_keys: set[str] = set()
    for _, obj in manifests.objects:
        if obj.get("kind") == "ConfigMap" and obj.get("metadata", {}).get("name") == CONFIGMAP:
            configmap |= {k: str(v) for k, v in (obj.get("data") or {}).items()}
        if obj.get("kind") == "Secret" and obj.get("metadata", {}).get("name") == SECRET:
            secret_keys |= set(obj.get("stringData") or {}) | set(obj.get("data") or {})
    units = []
    for path, obj in manifests.objects:
        component = None
        if obj.get("kind") == "Deployment":
            labels = obj.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
            component = K8S_COMPONENTS.get(labels.get("app.kubernetes.io/name", ""))
        for template in pod_templates(obj):
            containers = template.get("spec", {}).get("containers", [])
            for index, container in enumerate(containers):
                command = [str(part) for part in container.get("command", [])]
                role = component if component and index == 0 else command_role(command)
                if role is None:
                    continue
                env: dict[str, str] = {}
                for source in container.get("envFrom", []):
                    prefix = source.get("prefix", "")
                    if source.get("configMapRef", {}).get("name") == CONFIGMAP:
                        env |= {prefix + key: value for key, value in configmap.items()}
                    elif source.get("secretRef", {}).get("name") == SECRET:
                        env |= {prefix + key: f"<secret {key}>" for key in secret_keys}
                imported = set(env)
                internal: set[str] = set()
                for item in container.get("env", []):
                    ref = item.get("valueFrom") or {}
                    if "secretKeyRef" in ref:
                        value = f"<secret {ref['secretKeyRef'].get('key')}>"
                    elif "configMapKeyRef" in ref:
                        value = configmap.get(ref["configMapKeyRef"].get("key", ""), "")
                    elif ref:
                        value = f"<{next(iter(ref))}>"
                    else:
                        raw = str(item.get("value", ""))
                        internal |= set(K8S_VAR_REF.findall(raw))
                        value = K8S_VAR_REF.sub(lambda m, env=env: env.get(m.group(1), m.group(0)), raw)
                    env[str(item.get("name", ""))] = value
                    imported.discard(str(item.get("name", "")))
                for arg in container.get("args", []) + container.get("command", []):
                    internal |= set(K8S_VAR_REF.findall(str(arg)))
                mounts = {str(m.get("mountPath", "")) for m in container.get("volumeMounts", [])}
                where = f"{path.name} {name_of(obj)} container {container.get('name')}"
                units.append(Unit(where, role, command, env, set(), internal, imported, mounts))
    return units


def compose_units(deploy_dir: Path) -> list[Unit]:
    documents = (
        load_yaml_documents(deploy_dir / "compose.yml", Report())
        if (deploy_dir / "compose.yml").is_file()
        else []
    )
    services = documents[0].get("services", {}) if len(documents) == 1 else {}
    units = []
    for name, service in services.items():
        if name not in COMPOSE_DOCKERFILES or not isinstance(service, dict):
            continue
        raw_command = service.get("command") or []
        command = raw_command.split() if isinstance(raw_command, str) else [str(part) for part in raw_command]
        role = name if name in SETTINGS else command_role(command)
        if role is None:
            continue
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(str(item).partition("=")[::2] for item in environment)
        env, may_be_empty = {}, set()
        for key, raw in environment.items():
            text = "" if raw is None else str(raw).lower() if isinstance(raw, bool) else str(raw)
            env[str(key)] = VAR_REF.sub(lambda m: f"${{{m.group(1)}}}", text)
            if not compose_value_is_set(text):
                may_be_empty.add(str(key))
        mounts = {
            str(v.get("target")) if isinstance(v, dict) else resolve_default(str(v)).split(":")[1]
            for v in service.get("volumes", [])
            if isinstance(v, dict) or ":" in resolve_default(str(v))
        }
        units.append(Unit(f"compose.yml {name}", role, command, env, may_be_empty, mounts=mounts))
    return units


def compose_value_is_set(text: str) -> bool:
    """False when Compose could hand the service an empty value (${VAR} unset, ${VAR:-} and the like)."""

    def replace(match: re.Match[str]) -> str:
        operator, default = match.group(2), match.group(3)
        if operator == ":?":
            return "x"  # unset or empty stops Compose
        return default if operator in (":-", "-") else ""

    return bool(VAR_REF.sub(replace, text))


def module_problem(repo_root: Path, command: list[str], runtime: Runtime) -> str | None:
    """`python -m module args`: the module must exist and run as a program; backend.cli's command must be one
    of its COMMANDS."""
    if command[:2] != ["python", "-m"] or len(command) < 3:
        return None
    module, args = command[2], command[3:]
    base = repo_root / module.replace(".", "/")
    if (base / "__main__.py").is_file():
        pass
    elif not base.with_suffix(".py").is_file():
        return f"python -m {module}: there is no {module.replace('.', '/')}.py or package with __main__.py"
    elif not re.search(r"^if __name__ == .__main__.:", base.with_suffix(".py").read_text(), re.M):
        return f"python -m {module}: {module.replace('.', '/')}.py has no __main__ block: it does nothing"
    if module == "backend.cli" and (len(args) != 1 or args[0] not in runtime.cli_commands):
        return (
            f"python -m backend.cli {' '.join(args)}: not one of its commands {sorted(runtime.cli_commands)}"
        )
    return None


def check_unit(unit: Unit, runtime: Runtime, compose: bool, report: Report, repo_root: Path) -> None:
    problem = module_problem(repo_root, unit.command, runtime)
    if problem:
        report.bad(unit.where, problem)
    needs: dict[str, str] = {}
    component = secrets_component(unit.role)
    if component is not None:
        needs["CLUSTER_MODE"] = "true in a cluster: no secret is then generated on a replica"
        for var in runtime.secrets.get(component, ()):
            needs[var] = f"in CLUSTER_SECRETS of {CLUSTER_SECRETS_SOURCES[component]}"
    if unit.role == "rasa":
        for var in runtime.endpoints:
            needs.setdefault(var, f"${{{var}}} in {RASA_ENDPOINTS}")
    settings = SETTINGS.get(unit.role)
    if settings is None and component is not None:
        report.bad(unit.where, f"{unit.role}: the validator does not know what this command needs (SETTINGS)")
    for var in settings or {}:
        needs.setdefault(var, "SETTINGS in deploy/validate.py: the runtime's default is a single machine's")
    for var, why in needs.items():
        if var not in unit.env:
            report.bad(unit.where, f"{unit.role} needs {var} ({why})")
    if component is not None and "CLUSTER_MODE" in unit.env and unit.env["CLUSTER_MODE"] != "true":
        report.bad(unit.where, f'CLUSTER_MODE must be "true", is {unit.env["CLUSTER_MODE"]!r}')
    for var, expected in (settings or {}).items():
        if expected is not None and var in unit.env and unit.env[var] != expected:
            report.bad(unit.where, f"{var} must be {expected!r} in a container, is {unit.env[var]!r}")
    for var in runtime.secrets.get(component or "", ()):
        value = unit.env.get(var)
        if value is None:
            continue
        if compose and "${" not in value:
            report.bad(unit.where, f"{var} is a secret: it must come from deploy/.env (${{…}}), not the file")
        elif not compose and "<secret " not in value:
            report.bad(unit.where, f"{var} is a secret: it must come from {SECRET} (secretKeyRef)")
        if var in unit.may_be_empty:
            report.bad(
                unit.where, f"{var} may be empty: use ${{{var}:?…}} so Compose refuses to start without it"
            )
    for var in sorted(set(unit.env) - unit.internal - unit.imported - set(THIRD_PARTY_READERS)):
        if not runtime_reads(runtime, var):
            report.bad(unit.where, f"sets {var}, which nothing in the runtime reads")
    recordings = unit.env.get("RECORDINGS_DIR")
    if recordings and recordings.startswith("/") and recordings not in unit.mounts:
        report.bad(unit.where, f"RECORDINGS_DIR {recordings} is not a mounted volume (the root is read-only)")


def check_shared(units: list[Unit], where: str, report: Report) -> None:
    for var in SHARED:
        values: dict[str, list[str]] = {}
        for unit in units:
            if var in unit.env:
                values.setdefault(unit.env[var], []).append(unit.role)
        if len(values) > 1:
            shown = "; ".join(
                f"{', '.join(sorted(set(roles)))} get {value!r}" for value, roles in values.items()
            )
            report.bad(where, f"{var} must be the same wherever it is set: {shown}")
    backends = [unit for unit in units if unit.role == "backend" and "BACKEND_TOKENS" in unit.env]
    for backend in backends[:1]:
        entries = dict(
            entry.split(":", 1) for entry in backend.env["BACKEND_TOKENS"].split(",") if ":" in entry
        )
        for unit in units:
            token = unit.env.get("BACKEND_TOKEN")
            if unit.role in BACKEND_CALLERS and token is not None and entries.get(unit.role) != token:
                report.bad(
                    unit.where,
                    f"BACKEND_TOKEN {token!r} is not the backend's BACKEND_TOKENS entry "
                    f"{unit.role}:{entries.get(unit.role)!r}",
                )


def check_runtime_environment(deploy_dir: Path, repo_root: Path, report: Report) -> None:
    runtime = read_runtime(repo_root.resolve())
    for problem in runtime.problems:
        report.bad("runtime", problem)
    for label, units, compose in (
        ("kubernetes", k8s_units(deploy_dir / "k8s"), False),
        ("compose.yml", compose_units(deploy_dir), True),
    ):
        for unit in units:
            check_unit(unit, runtime, compose, report, repo_root)
        check_shared(units, label, report)
        roles = sorted({unit.role for unit in units})
        for component in CLUSTER_SECRETS_SOURCES:
            if component not in roles:
                report.bad(label, f"nothing runs {component}")
        report.ok(f"runtime environment, {label}: {len(units)} units ({', '.join(roles)})")
    counts = ", ".join(f"{c} {len(s)}" for c, s in runtime.secrets.items())
    report.ok(
        f"runtime environment: CLUSTER_SECRETS read from the source ({counts}) and Rasa's "
        f"{len(runtime.endpoints)} ${{VAR}}s of {RASA_ENDPOINTS}, each given (from the Secret / .env) to "
        'every container of its service and to the backend.cli Job and CronJobs, with CLUSTER_MODE "true"; '
        "listen addresses and ports; shared tokens the same at both ends; python -m modules that run; no "
        "variable the runtime does not read"
    )


# ------------------------------------------------------------------------------------------------ main


def run(deploy_dir: Path, repo_root: Path, version: str, schemas: bool = True) -> Report:
    report = Report()
    check_kubernetes(deploy_dir / "k8s", version, report, schemas=schemas)
    check_compose(deploy_dir, report)
    check_runtime_environment(deploy_dir, repo_root, report)
    check_docker(repo_root, deploy_dir, report)
    check_scripts(deploy_dir, report)
    return report


def reexec_in_deploy_venv(repo_root: Path) -> None:
    """kubernetes-validate lives in .venv-deploy; run there when started from another interpreter."""
    python = repo_root / ".venv-deploy" / "bin" / "python"
    if python.is_file() and Path(sys.prefix).resolve() != python.parent.parent.resolve():
        os.execv(str(python), [str(python), *sys.argv])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deploy-dir", type=Path, default=DEPLOY_DIR)
    parser.add_argument("--repo-root", type=Path, default=None, help="default: the deploy dir's parent")
    parser.add_argument("--kubernetes-version", default=KUBERNETES_VERSION)
    args = parser.parse_args(argv)
    deploy_dir = args.deploy_dir.resolve()
    repo_root = (args.repo_root or deploy_dir.parent).resolve()
    try:
        import kubernetes_validate  # noqa: F401
    except ImportError:
        reexec_in_deploy_venv(DEPLOY_DIR.parent)
        print("kubernetes-validate is not installed here: run deploy/setup_venv.sh", file=sys.stderr)
        return 2
    report = run(deploy_dir, repo_root, args.kubernetes_version)
    for line in report.checked:
        print(f"checked  {line}")
    for problem in report.problems:
        print(f"PROBLEM  {problem}")
    if report.problems:
        print(f"FAILED: {len(report.problems)} problem(s)")
        return 1
    print("OK: deployment files valid (nothing was built, started or applied: no Docker or cluster here)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
