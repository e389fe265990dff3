"""`make generate` for the migration controller: deploy/vsphere-migration/crd.yaml from the typed model."""

from __future__ import annotations

import sys
from pathlib import Path

from platform_common.generate import REPO, write_or_check
from platform_common.yamlio import dump

from .api.crd import migration_crd

CRD_FILE = REPO / "deploy" / "vsphere-migration" / "crd.yaml"


def artifacts() -> dict[Path, str]:
    header = "# Generated from src/vsphere_migration/api/models.py by `make generate`; do not edit.\n"
    return {CRD_FILE: header + dump(migration_crd())}


if __name__ == "__main__":
    sys.exit(write_or_check(sys.argv[1:], artifacts, __doc__ or ""))
