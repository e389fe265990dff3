"""`vcluster-status-reconciler`: keep the live status of VClusterOrchestratorV2 requests current (kopf)."""

from __future__ import annotations

import importlib
import sys

from platform_common.operator import operator_main


def main(argv: list[str] | None = None) -> int:
    return operator_main("vcluster-status-reconciler", __doc__ or "", argv,
                         lambda: importlib.import_module("vcluster_status.controller"))


if __name__ == "__main__":
    sys.exit(main())
