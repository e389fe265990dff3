"""The drift check behind `make generate` / `make check-generated`, for every component's artifacts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def write_or_check(argv: list[str] | None, produce: Callable[[], dict[Path, str]], description: str) -> int:
    """Write each produced file that differs; with --check write nothing and exit 1 on any drift."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on drift")
    args = parser.parse_args(argv)
    files = produce()
    drift = []
    for path, text in sorted(files.items()):
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        drift.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in drift:
        shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        print(("drift: " if args.check else "wrote: ") + str(shown))
    if args.check and drift:
        print("generated files differ from the models; run `make generate` and commit", file=sys.stderr)
        return 1
    print(f"{len(files)} generated file(s), {len(drift)} {'differ' if args.check else 'updated'}")
    return 0


