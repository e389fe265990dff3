"""Phase 11: new worker MachineSets on the target's failure domains, built from the old ones' provider spec;
done when their Machines are Running and their Nodes Ready. Rollback deletes them and waits for their Machines
to go."""

from __future__ import annotations

import copy
from typing import Any

from ..api.models import DomainRollout, PhaseName, WorkerRollout
from ..context import MigrationContext
from ..openshift.cluster import MACHINE_API_NAMESPACE, MACHINE_SETS
from ..openshift.machines import (
    CLUSTER_LABEL,
    CREATED_BY,
    MACHINESET_LABEL,
    machine_ready,
    machines_of,
    provider_value,
    retarget,
    worker_machine_sets,
)
from .base import Outcome, Phase, done, failed, requeue

POLL = 2.0


def new_set_name(infra_id: str, domain: str) -> str:
    return f"{infra_id}-worker-{domain}"[:63].rstrip("-.")


def replicas_per_domain(total: int, domains: int, fixed: int | None) -> list[int]:
    if fixed is not None:
        return [fixed] * domains
    return [total // domains + (1 if i < total % domains else 0) for i in range(domains)]


def build_machine_set(ctx: MigrationContext, template: dict[str, Any], domain: Any, replicas: int) -> dict[str, Any]:
    infra_id = ctx.infra_id()
    name = new_set_name(infra_id, domain.name)
    folder = domain.topology.folder or f"/{domain.topology.datacenter}/vm/{infra_id}"
    value = retarget(provider_value(template), ctx.spec.target_vcenter.server, domain.topology, folder)
    machine_template = copy.deepcopy(template["spec"]["template"])
    machine_template["metadata"].setdefault("labels", {})[MACHINESET_LABEL] = name
    machine_template["spec"]["providerSpec"] = {"value": value}
    return {"apiVersion": "machine.openshift.io/v1beta1", "kind": "MachineSet",
            "metadata": {"name": name, "namespace": MACHINE_API_NAMESPACE,
                         "labels": {CLUSTER_LABEL: infra_id, CREATED_BY: ctx.name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {CLUSTER_LABEL: infra_id,
                                                                        MACHINESET_LABEL: name}},
                     "template": machine_template}}


def created_sets(ctx: MigrationContext) -> list[dict[str, Any]]:
    return [s for s in ctx.cluster.list_namespaced(MACHINE_SETS, MACHINE_API_NAMESPACE)
            if (s["metadata"].get("labels") or {}).get(CREATED_BY) == ctx.name]


def domain_rollout(ctx: MigrationContext, domain: str, replicas: int) -> DomainRollout:
    """How far one failure domain's new MachineSet has come: Machines created, Running, with a Ready Node."""
    name = new_set_name(ctx.infra_id(), domain)
    machines = machines_of(ctx.cluster, {MACHINESET_LABEL: name})
    running = [m for m in machines if (m.get("status") or {}).get("phase") == "Running"]
    return DomainRollout(failure_domain=domain, machine_set=name, desired=replicas, created=len(machines),
                         running=len(running), nodes_ready=sum(machine_ready(ctx.cluster, m) for m in running))


class CreateWorkers(Phase):
    name = PhaseName.CREATE_WORKERS

    def execute(self, ctx: MigrationContext) -> Outcome:
        recorded = ctx.status.recorded
        if recorded.old_worker_sets is None:
            old = worker_machine_sets(ctx.cluster, ctx.spec.workers.machine_sets)
            if not old:
                return failed("no worker MachineSets found to recreate on the target")
            recorded.old_worker_sets = sorted(s["metadata"]["name"] for s in old)
        old_names = recorded.old_worker_sets
        old_sets = [s for s in ctx.cluster.list_namespaced(MACHINE_SETS, MACHINE_API_NAMESPACE)
                    if s["metadata"]["name"] in old_names]
        total = sum(recorded.machine_set_replicas.get(n, 0) for n in old_names)
        domains = ctx.spec.failure_domains
        counts = replicas_per_domain(total, len(domains), ctx.spec.workers.replicas_per_failure_domain)
        existing = {s["metadata"]["name"] for s in created_sets(ctx)}
        for domain, replicas in zip(domains, counts, strict=True):
            wanted = build_machine_set(ctx, old_sets[0], domain, replicas)
            if wanted["metadata"]["name"] not in existing:
                ctx.cluster.create_namespaced(MACHINE_SETS, wanted)
        rollout = [domain_rollout(ctx, domain.name, replicas) for domain, replicas in zip(domains, counts, strict=True)]
        ctx.status.rollout.workers = WorkerRollout(domains=rollout,
                                                   timeout_at=ctx.timeout_at(PhaseName.CREATE_WORKERS))
        waiting = [f"{d.machine_set} {d.nodes_ready}/{d.desired} ({d.created} created, {d.running} running)"
                   for d in rollout if d.nodes_ready < d.desired]
        if waiting:
            return requeue(POLL, "waiting for Machines Running with Ready Nodes: " + ", ".join(waiting))
        return done(f"{sum(counts)} worker(s) Running on {ctx.spec.target_vcenter.server} in "
                    f"{len(domains)} failure domain(s)")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        for machine_set in created_sets(ctx):
            ctx.cluster.delete_namespaced(MACHINE_SETS, MACHINE_API_NAMESPACE, machine_set["metadata"]["name"])
        new_names = {new_set_name(ctx.infra_id(), d.name) for d in ctx.spec.failure_domains}
        remaining = [m["metadata"]["name"] for m in machines_of(ctx.cluster, {})
                     if (m["metadata"].get("labels") or {}).get(MACHINESET_LABEL) in new_names]
        if remaining:
            return requeue(POLL, f"waiting for {len(remaining)} new worker Machine(s) to be deleted")
        return done("new worker MachineSets and their Machines removed")
