"""`make test` after lint: every test tier, with a timing line each.

The test servers (tools/testenv/build.sh) are built in the background while the unit, property and pipeline
tier runs, so a cold build costs less wall time. SKIP_REAL_API=1 skips the build and the real-server tiers
(a quick local loop; .ci/run never sets it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTEST = [sys.executable, "-m", "pytest", "-q"]


def timed(label: str, command: list[str]) -> int:
    start = time.monotonic()
    code = subprocess.call(command, cwd=REPO)
    print(f"[timing] {label}: {time.monotonic() - start:.1f}s (exit {code})", flush=True)
    return code


def main() -> int:
    skip = os.environ.get("SKIP_REAL_API") == "1"
    build = None
    log = REPO / "build" / "testenv-build.log"
    if not skip:
        log.parent.mkdir(exist_ok=True)
        build_start = time.monotonic()
        print(f"building the test servers in the background (log: {log.relative_to(REPO)})", flush=True)
        build = subprocess.Popen(["bash", "tools/testenv/build.sh"], cwd=REPO, stdout=log.open("w"),
                                 stderr=subprocess.STDOUT)
    failures = timed("unit + property + pipeline tests", [*PYTEST, "-m", "not realapi", "tests"])
    if build is None:
        print("[timing] real-server tiers: skipped (SKIP_REAL_API=1)")
        return failures
    code = build.wait()
    print(log.read_text(), end="")
    print(f"[timing] build test servers (tools/testenv, overlapped): {time.monotonic() - build_start:.1f}s "
          f"(exit {code})", flush=True)
    if code:
        return code
    failures |= timed("apply + controller tier (kube-apiserver, etcd, vcsim)",
                      [*PYTEST, "-m", "realapi", "--ignore=tests/e2e", "tests"])
    failures |= timed("end-to-end migration tier", [*PYTEST, "tests/e2e"])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
