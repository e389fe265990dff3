"""`vcluster-platform-pipeline [configure|delete] [--dry-run]`: the vcluster-orchestrator-v2 promise's
workflows (`python -m vcluster_platform.pipeline` runs the same; the console script starts at
`pipeline.main`, which turns the collector off first)."""

from __future__ import annotations

import os
import sys

from ..errors import EXIT_OK
from .configure import run_configure
from .harness import Invocation, run
from .runtime import KratixDirs, read_input, write_status

DRY_RUN_ENV = "VCLUSTER_PLATFORM_DRY_RUN"


def configure_workflow(dirs: KratixDirs, args: Invocation) -> int:
    run_configure(dirs)
    return EXIT_OK


def delete_workflow(dirs: KratixDirs, args: Invocation) -> int:
    from .delete import run_delete  # only a delete run loads the API client

    doc = read_input(dirs)
    dry_run = args.dry_run or os.environ.get(DRY_RUN_ENV, "").lower() in ("1", "true", "yes")
    status, code = run_delete(doc, dry_run)
    write_status(dirs, status)
    print(status["message"], file=sys.stderr if code else sys.stdout)
    return code


def main(argv: list[str] | None = None) -> int:
    return run("vcluster-platform-pipeline", "Configure or delete one VClusterOrchestratorV2 request.",
               configure_workflow, delete_workflow, argv)

