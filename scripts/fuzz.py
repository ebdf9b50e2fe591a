"""`make fuzz`: start the services, run schemathesis over every operation of the gateway's /openapi.json and
the backend's (each route group with its caller's credential: the action server's, the gateway's, a
reviewer's); fail on any server error or response off its schema.

    python scripts/fuzz.py MODEL [--max-examples N]

Prints, per API, the operations and test cases run (the README quotes them). Limits are raised for the run:
every request comes from one address, and the limits themselves have their own tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.services import DEFAULT_PORTS, ROOT, running_services  # noqa: E402

CHECKS = "not_a_server_error,response_schema_conformance"
# Where schemathesis comes from: the project venv's (requirements-dev.txt), unless SCHEMATHESIS names one.
ST = os.environ.get("SCHEMATHESIS") or str(Path(sys.executable).with_name("st"))
RELAXED_LIMITS = {"RATE_LIMIT_SENDER_PER_MIN": "100000", "RATE_LIMIT_IP_PER_MIN": "100000"}


def fuzz(
    name: str, schema_url: str, examples: int, report_dir: Path, headers: list[str], paths: list[str] = ()
) -> dict[str, int]:
    report = report_dir / f"{name}.ndjson"
    command = [ST, "run", schema_url, "--checks", CHECKS, "--max-examples", str(examples), *paths]
    command += ["--workers", "1", "--seed", "1", "--no-color", "--phases", "examples,coverage,fuzzing"]
    command += ["--generation-database", "none"]  # each run from scratch, as seeded
    command += ["--report", "ndjson", "--report-ndjson-path", str(report), "--request-timeout", "60"]
    for header in headers:
        command += ["--header", header]
    shown = " ".join("Authorization: Bearer ***" if "Bearer" in part else part for part in command)
    print(f"$ {shown}", flush=True)
    code = subprocess.run(command, cwd=report_dir).returncode  # its .schemathesis/ cache lands there too
    return {"exit": code, **count(report)}


def count(report: Path) -> dict[str, int]:
    """Operations and test cases from the run's event stream."""
    operations, cases = set(), 0
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        for kind, body in event.items():
            if kind == "ScenarioFinished":
                label = body.get("recorder", {}).get("label")
                if label:
                    operations.add(label)
                cases += len(body.get("recorder", {}).get("cases", {}))
    return {"operations": len(operations), "cases": cases}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", "25")))
    args = parser.parse_args()
    for name, value in RELAXED_LIMITS.items():
        os.environ.setdefault(name, value)
    var_dir = ROOT / "var" / "fuzz"  # its own databases and logs, fresh each run; the reports stay there
    shutil.rmtree(var_dir, ignore_errors=True)
    tokens = {name: f"fuzz-{name}-{os.urandom(16).hex()}" for name in ("reviewer", "actions", "gateway")}
    os.environ["ADMIN_TOKENS"] = f"fuzz-reviewer:{tokens['reviewer']}"
    # scripts/serve.sh takes these instead of generating its own: the fuzz calls as each caller would.
    os.environ["BACKEND_TOKEN_ACTIONS"] = tokens["actions"]
    os.environ["BACKEND_TOKEN_GATEWAY"] = tokens["gateway"]
    # Each of the backend's callers fuzzes its own routes with its own credential (backend/routes/).
    callers = {
        "backend": ("actions", ["--exclude-path-regex", "^/(admin|recordings|sandbox/sms)"]),
        "backend-gateway-routes": ("gateway", ["--include-path-regex", "^/(recordings|sandbox/sms)"]),
        "backend-admin": ("reviewer", ["--include-path-regex", "^/admin"]),
    }
    results = {}
    with running_services(args.model, var_dir) as gateway:
        backend = f"http://127.0.0.1:{DEFAULT_PORTS['BACKEND_PORT']}/openapi.json"
        results["gateway"] = fuzz("gateway", f"{gateway}/openapi.json", args.max_examples, var_dir, [])
        for name, (caller, paths) in callers.items():
            auth = [f"Authorization: Bearer {tokens[caller]}"]
            results[name] = fuzz(name, backend, args.max_examples, var_dir, auth, paths)
    for name, result in results.items():
        ops, cases = result["operations"], result["cases"]
        print(f"fuzz {name}: {ops} operations, {cases} test cases, exit status {result['exit']}")
    return max(result["exit"] for result in results.values())


if __name__ == "__main__":
    sys.exit(main())
