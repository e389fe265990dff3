"""Phase 3: scale the cluster-version-operator to 0 (its previous replicas recorded) so it does not revert
changes; rollback scales it back. The original replicas are persisted before the scale-down."""

from __future__ import annotations

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift.cluster import CVO
from .base import Outcome, Phase, done


class DisableCVO(Phase):
    name = PhaseName.DISABLE_CVO

    def execute(self, ctx: MigrationContext) -> Outcome:
        current = ctx.cluster.deployment(*CVO).spec.replicas or 0
        if ctx.status.recorded.cvo_replicas is None:  # written ahead: a resumed run must not record its own 0
            ctx.write_ahead("cvo_replicas", current)
        if current:
            ctx.cluster.scale_deployment(*CVO, 0)
        return done(f"cluster-version-operator scaled from {ctx.status.recorded.cvo_replicas} to 0")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        if ctx.status.recorded.cvo_replicas is None:  # written ahead of the scale-down: without it, none happened
            return done("the cluster-version-operator was never scaled down")
        replicas = recorded_cvo_replicas(ctx)
        ctx.cluster.scale_deployment(*CVO, replicas)
        return done(f"cluster-version-operator scaled back to {replicas}")


def recorded_cvo_replicas(ctx: MigrationContext) -> int:
    """The replicas DisableCVO recorded (1, the cluster default, when it never ran)."""
    recorded = ctx.status.recorded.cvo_replicas
    return 1 if recorded is None else recorded
