"""The local cluster's health watchdog, a supervisord program (scripts/cluster.py): supervisord restarts a
replica that exits, this restarts one that hangs. Every few seconds it asks each replica's liveness endpoint;
after FAILURES_TO_RESTART failures in a row (past a start-up grace: Rasa loads its model for about a minute)
it has supervisord restart that replica.

    python -m scripts.watchdog CONFIG  (CONFIG: a JSON list of {"program", "url", "grace_s"})
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

EVERY_S = 5.0
FAILURES_TO_RESTART = 3


def alive(url: str) -> bool:
    try:
        return httpx.get(url, timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def watch(replicas: list[dict], supervisor_config: str) -> None:
    failures = {r["program"]: 0 for r in replicas}
    started = {r["program"]: time.monotonic() for r in replicas}
    while True:
        for replica in replicas:
            name = replica["program"]
            if time.monotonic() - started[name] < replica["grace_s"] or alive(replica["url"]):
                failures[name] = 0
                continue
            failures[name] += 1
            if failures[name] >= FAILURES_TO_RESTART:
                print(
                    f"watchdog: {name} did not answer {replica['url']} {failures[name]} times: restart",
                    flush=True,
                )
                subprocess.run(["supervisorctl", "-c", supervisor_config, "restart", name], check=False)
                failures[name], started[name] = 0, time.monotonic()
        time.sleep(EVERY_S)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    watch(json.loads(Path(argv[0]).read_text()), argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
