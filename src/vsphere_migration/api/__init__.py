"""The VmwareCloudFoundationMigration API (typed models) and its generated CRD."""

from .models import (
    GROUP,
    KIND,
    PHASES,
    PLURAL,
    VERSION,
    MigrationSpec,
    MigrationStatus,
    PhaseName,
)

__all__ = ["GROUP", "KIND", "PHASES", "PLURAL", "VERSION", "MigrationSpec", "MigrationStatus", "PhaseName"]
