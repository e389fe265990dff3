"""`vsphere-migration-controller`: run the controller (kopf) against the cluster in KUBECONFIG or in-cluster."""

from __future__ import annotations

import importlib
import sys

from platform_common.operator import operator_main


def main(argv: list[str] | None = None) -> int:
    from platform_common.kube import api_client

    return operator_main("vsphere-migration-controller", __doc__ or "", argv,
                         lambda: importlib.import_module("vsphere_migration.controller").metrics(), api_client)


if __name__ == "__main__":
    sys.exit(main())
