"""Phase 13: scale the old worker MachineSets to 0 (their replicas are in the backup and status.recorded);
done when their Machines are gone. Machines still there are named in the message and in
status.rollout.workers.oldMachinesDeleting, with how long each has been deleting: a deletion that does not end
(a drain blocked by a PodDisruptionBudget, a VM the source vCenter will not remove) is visible long before the
phase times out. Rollback scales each back to its backed-up replica count."""

from __future__ import annotations

from typing import Any

from platform_common.clock import seconds_since

from ..api.models import PhaseName, WorkerRollout
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


def described(machine: dict[str, Any]) -> str:
    """'<name> (deleting for 3m)' or '<name> (not yet deleted)'."""
    since = machine["metadata"].get("deletionTimestamp")
    if not since:
        return f"{machine['metadata']['name']} (not yet deleted)"
    return f"{machine['metadata']['name']} (deleting for {duration(seconds_since(since))}; see oc describe machine " \
           f"-n {MACHINE_API_NAMESPACE} {machine['metadata']['name']})"


def duration(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{whole}s"


class ScaleOld(Phase):
    name = PhaseName.SCALE_OLD

    def execute(self, ctx: MigrationContext) -> Outcome:
        names = old_set_names(ctx)
        for name in names:
            scale(ctx, name, 0)
        left = [m for n in names for m in machines_of(ctx.cluster, {MACHINESET_LABEL: n})]
        deleting = [described(m) for m in left]
        workers = ctx.status.rollout.workers = ctx.status.rollout.workers or WorkerRollout()
        workers.old_machines_deleting, workers.timeout_at = deleting[:64], ctx.timeout_at(PhaseName.SCALE_OLD)
        if left:
            return requeue(POLL, f"waiting for {len(left)} old worker Machine(s) to be deleted: "
                           + ", ".join(deleting[:10]) + (" …" if len(deleting) > 10 else ""))
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
