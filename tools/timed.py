"""Run a command and print how long it took: `python tools/timed.py LABEL -- CMD...`."""

from __future__ import annotations

import subprocess
import sys
import time


def main() -> int:
    label, _, *command = sys.argv[1:]
    start = time.monotonic()
    code = subprocess.call(command)
    print(f"[timing] {label}: {time.monotonic() - start:.1f}s (exit {code})", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
