"""Phase 3: scale the cluster-version-operator to 0 (its previous replicas recorded) so it does not revert
changes; rollback scales it back. The original replicas are persisted before the scale-down."""

from __future__ import annotations

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift.cluster import CVO
from .base import Outcome, Phase, done

RECORD = "cvo/replicas"


class DisableCVO(Phase):
    name = PhaseName.DISABLE_CVO

    def execute(self, ctx: MigrationContext) -> Outcome:
        current = ctx.cluster.deployment(*CVO).spec.replicas or 0
        if RECORD not in ctx.status.recorded:  # written ahead: a resumed run must not record the 0 it made
            ctx.write_ahead(RECORD, str(current))
        if current:
            ctx.cluster.scale_deployment(*CVO, 0)
        return done(f"cluster-version-operator scaled from {ctx.status.recorded[RECORD]} to 0")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        replicas = int(ctx.status.recorded.get(RECORD, "1"))
        ctx.cluster.scale_deployment(*CVO, replicas)
        return done(f"cluster-version-operator scaled back to {replicas}")
