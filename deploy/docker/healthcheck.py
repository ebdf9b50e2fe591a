"""HTTP probe for the images' HEALTHCHECK and for Compose: exit 0 when the URL answers 2xx in time, else 1.

The slim runtime images carry no curl or wget, so this uses only the standard library. Kubernetes does not
use it (its probes are httpGet); usage: python /app/deploy/docker/healthcheck.py URL [TIMEOUT_S]
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

DEFAULT_TIMEOUT_S = 4.0


def probe(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> tuple[bool, str]:
    """(healthy, what was seen). Only http(s): a probe has no business opening files."""
    if not url.startswith(("http://", "https://")):
        return False, f"not an http(s) URL: {url!r}"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            status = response.status
    except urllib.error.HTTPError as error:  # 4xx/5xx, e.g. 503 while a dependency is down
        return False, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return False, str(getattr(error, "reason", error))
    return 200 <= status < 300, f"HTTP {status}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not 1 <= len(args) <= 2:
        print("usage: healthcheck.py URL [TIMEOUT_S]", file=sys.stderr)
        return 2
    healthy, seen = probe(args[0], float(args[1]) if len(args) == 2 else DEFAULT_TIMEOUT_S)
    if not healthy:
        print(f"unhealthy: {args[0]}: {seen}", file=sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
