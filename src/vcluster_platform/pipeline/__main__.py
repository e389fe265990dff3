"""`vcluster-platform-pipeline [configure|delete] [--dry-run]`: the orchestrator promise's entry point
(`python -m vcluster_platform.pipeline` runs the same; the console script starts at `pipeline.main`)."""

from __future__ import annotations

import gc

if __name__ == "__main__":
    gc.disable()  # see pipeline.main

import os  # noqa: E402 - after gc.disable(), so that imports run without collector passes
import sys  # noqa: E402

from ..errors import EXIT_OK  # noqa: E402
from .configure import run_configure  # noqa: E402
from .harness import Invocation, run  # noqa: E402
from .runtime import KratixDirs, read_input, write_status  # noqa: E402

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


if __name__ == "__main__":
    sys.exit(main())
