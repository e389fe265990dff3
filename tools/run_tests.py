"""`make test` after lint: every test tier, with a timing line each.

The tiers are overlapped, since much of the real-server work is waiting: the unit, property and pipeline tier
runs in the background from the start; once the test servers are built (tools/testenv/build.sh) the apply +
controller tier runs in the background too (each tier starts its own servers), and the end-to-end tier runs in
the foreground, then the image tier (buildah builds the three images and runs their entry points). Background
output goes to build/test-*.log and is printed when the tier ends.
SKIP_REAL_API=1 skips the server build, the real-server tiers and the image tier (a quick local loop; .ci/run
never sets it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOGS = REPO / "build"
PYTEST = [sys.executable, "-m", "pytest", "-q"]
UNIT = "not realapi and not images"


def timed(label: str, command: list[str]) -> int:
    start = time.monotonic()
    code = subprocess.call(command, cwd=REPO)
    print(f"[timing] {label}: {time.monotonic() - start:.1f}s (exit {code})", flush=True)
    return code


class Background:
    """A command running with its output in a log file; its own duration is measured when it exits."""

    def __init__(self, label: str, command: list[str], log: Path) -> None:
        self.label, self.log, self.start = label, log, time.monotonic()
        self.duration = 0.0
        print(f"started in the background: {label} (log: {log.relative_to(REPO)})", flush=True)
        self.process = subprocess.Popen(command, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT)
        self._waiter = threading.Thread(target=self._wait, daemon=True)
        self._waiter.start()

    def _wait(self) -> None:
        self.process.wait()
        self.duration = time.monotonic() - self.start

    def finish(self) -> int:
        self._waiter.join()
        code = self.process.returncode
        print(f"--- {self.label} ---\n{self.log.read_text()}", end="", flush=True)
        print(f"[timing] {self.label}: {self.duration:.1f}s (exit {code})", flush=True)
        return code


def main() -> int:
    LOGS.mkdir(exist_ok=True)
    if os.environ.get("SKIP_REAL_API") == "1":
        code = timed("unit + property + pipeline tests", [*PYTEST, "-m", UNIT, "tests"])
        print("[timing] real-server and image tiers: skipped (SKIP_REAL_API=1)")
        return code
    unit = Background("unit + property + pipeline tests", [*PYTEST, "-m", UNIT, "tests"],
                      LOGS / "test-unit.log")
    failures = timed("build test servers (tools/testenv)", ["bash", "tools/testenv/build.sh"])
    if not failures:
        apply = Background("apply + controller tier (kube-apiserver, etcd, vcsim)",
                           [*PYTEST, "-m", "realapi and not images", "--ignore=tests/e2e", "tests"],
                           LOGS / "test-apply.log")
        failures |= timed("end-to-end migration tier", [*PYTEST, "tests/e2e"])
        failures |= timed("image tier (buildah: build the four images, run their entry points)",
                          [*PYTEST, "-s", "-m", "images", "tests/images"])
        failures |= apply.finish()
    failures |= unit.finish()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
