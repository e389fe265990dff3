"""Phase 13: scale the old worker MachineSets to 0 (their replicas are in the backup and status.recorded);
done when their Machines are gone. Rollback scales each back to its backed-up replica count."""

from __future__ import annotations

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift.cluster import MACHINE_API_NAMESPACE, MACHINE_SETS
from ..openshift.machines import MACHINESET_LABEL, machine_ready, machines_of
from .base import Outcome, Phase, done, requeue

POLL = 2.0


def old_set_names(ctx: MigrationContext) -> list[str]:
    return list(ctx.status.recorded.old_worker_sets or [])


def scale(ctx: MigrationContext, name: str, replicas: int) -> None:
    live = ctx.cluster.get_namespaced(MACHINE_SETS, MACHINE_API_NAMESPACE, name, missing_ok=True)
    if live is not None and live["spec"].get("replicas") != replicas:
        ctx.cluster.patch_namespaced(MACHINE_SETS, MACHINE_API_NAMESPACE, name, {"spec": {"replicas": replicas}})


class ScaleOld(Phase):
    name = PhaseName.SCALE_OLD

    def execute(self, ctx: MigrationContext) -> Outcome:
        names = old_set_names(ctx)
        for name in names:
            scale(ctx, name, 0)
        left = sum(len(machines_of(ctx.cluster, {MACHINESET_LABEL: n})) for n in names)
        if left:
            return requeue(POLL, f"waiting for {left} old worker Machine(s) to be deleted")
        replicas = ctx.status.recorded.machine_set_replicas
        recorded = ", ".join(f"{n} (was {replicas.get(n, '?')})" for n in names)
        return done(f"old worker MachineSets scaled to 0: {recorded}")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        waiting = []
        for name in old_set_names(ctx):
            backup = ctx.backups.load("MachineSet", MACHINE_API_NAMESPACE, name)
            replicas = int(backup["spec"].get("replicas", 0))
            scale(ctx, name, replicas)
            ready = [m for m in machines_of(ctx.cluster, {MACHINESET_LABEL: name}) if machine_ready(ctx.cluster, m)]
            if len(ready) < replicas:
                waiting.append(f"{name} {len(ready)}/{replicas}")
        if waiting:
            return requeue(POLL, "waiting for old workers to come back: " + ", ".join(waiting))
        return done("old worker MachineSets back at their backed-up replicas")
