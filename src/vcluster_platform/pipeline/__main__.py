"""`vcluster-platform-pipeline [configure|delete] [--dry-run]`: the orchestrator promise's entry point."""

from __future__ import annotations

import argparse
import os
import sys

from .configure import run_configure
from .delete import run_delete
from .harness import EXIT_OK, run
from .runtime import KratixDirs, read_input, write_status

DRY_RUN_ENV = "VCLUSTER_PLATFORM_DRY_RUN"


def _configure(dirs: KratixDirs, args: argparse.Namespace) -> int:
    run_configure(dirs)
    return EXIT_OK


def _delete(dirs: KratixDirs, args: argparse.Namespace) -> int:
    doc = read_input(dirs)
    dry_run = args.dry_run or os.environ.get(DRY_RUN_ENV, "").lower() in ("1", "true", "yes")
    status, code = run_delete(doc, dry_run)
    write_status(dirs, status)
    print(status["message"], file=sys.stderr if code else sys.stdout)
    return code


def main(argv: list[str] | None = None) -> int:
    return run("vcluster-platform-pipeline", "Configure or delete one VClusterOrchestratorV2 request.",
               _configure, _delete, argv)


if __name__ == "__main__":
    sys.exit(main())
