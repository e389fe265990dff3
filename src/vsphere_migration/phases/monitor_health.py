"""Phase 10: wait (requeue, never sleep) until every ClusterOperator is Available and not Degraded."""

from __future__ import annotations

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift.cluster import CLUSTER_OPERATORS
from .base import Outcome, Phase, done, requeue
from .preflight import unhealthy_operators

POLL = 3.0


class MonitorHealth(Phase):
    name = PhaseName.MONITOR_HEALTH

    def execute(self, ctx: MigrationContext) -> Outcome:
        operators = ctx.cluster.list_cluster_objects(CLUSTER_OPERATORS)
        problems = unhealthy_operators(operators)
        if problems:
            return requeue(POLL, "waiting for cluster operators: " + ", ".join(problems))
        return done(f"{len(operators)} cluster operator(s) Available and not Degraded")
