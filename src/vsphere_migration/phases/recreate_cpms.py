"""Phase 12: point the ControlPlaneMachineSet at the target's failure domains; done when every control-plane
Machine runs on the target with a Ready Node and etcd reports 3 members. Rollback restores the backed-up CPMS
and waits for the control plane to be back on the source."""

from __future__ import annotations

import copy
from typing import Any

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift.cluster import CLUSTER_OPERATORS, CPMS, MACHINE_API_NAMESPACE
from ..openshift.machines import ROLE, machine_ready, machines_of, provider_value, retarget, workspace_server
from .base import Outcome, Phase, done, requeue

POLL = 2.0
TEMPLATE_KEY = "machines_v1beta1_machine_openshift_io"


def etcd_members(ctx: MigrationContext) -> str:
    """The etcd operator's EtcdMembersAvailable message, e.g. '3 members are available'."""
    for op in ctx.cluster.list_cluster_objects(CLUSTER_OPERATORS):
        if op["metadata"]["name"] == "etcd":
            for c in (op.get("status") or {}).get("conditions") or []:
                if c.get("type") == "EtcdMembersAvailable" and c.get("status") == "True":
                    return str(c.get("message", ""))
    return ""


def control_plane_on(ctx: MigrationContext, cpms: dict[str, Any], server: str) -> list[str]:
    """What still keeps the control plane from being fully on `server` (empty when it is)."""
    replicas = int(cpms["spec"].get("replicas", 3))
    masters = machines_of(ctx.cluster, {ROLE: "master"})
    on_server = [m for m in masters if workspace_server(m) == server and machine_ready(ctx.cluster, m)]
    waiting = []
    if len(on_server) < replicas or len(masters) != replicas:
        waiting.append(f"{len(on_server)}/{replicas} control-plane machines ready on {server} "
                       f"({len(masters)} in total)")
    if not etcd_members(ctx).startswith(f"{replicas} members"):
        waiting.append(f"etcd: {etcd_members(ctx) or 'members not reported'}")
    return waiting


def targeted(ctx: MigrationContext, cpms: dict[str, Any]) -> dict[str, Any]:
    updated = copy.deepcopy(cpms)
    template = updated["spec"]["template"][TEMPLATE_KEY]
    domain = ctx.spec.failure_domains[0]
    folder = domain.topology.folder or f"/{domain.topology.datacenter}/vm/{ctx.infra_id()}"
    value = retarget(provider_value(cpms), ctx.spec.target_vcenter.server, domain.topology, folder)
    template["spec"]["providerSpec"] = {"value": value}
    template["failureDomains"] = {"platform": "VSphere", "vsphere": [{"name": d.name} for d in
                                                                     ctx.spec.failure_domains]}
    return updated


class RecreateCPMS(Phase):
    name = PhaseName.RECREATE_CPMS

    def execute(self, ctx: MigrationContext) -> Outcome:
        cpms = ctx.cluster.get_namespaced(CPMS, MACHINE_API_NAMESPACE, "cluster")
        assert cpms is not None
        wanted = targeted(ctx, cpms)
        if wanted["spec"] != cpms["spec"]:
            cpms = ctx.cluster.replace_namespaced(CPMS, wanted)
        waiting = control_plane_on(ctx, cpms, ctx.spec.target_vcenter.server)
        if waiting:
            return requeue(POLL, "waiting for the control plane: " + "; ".join(waiting))
        return done(f"control plane replaced on {ctx.spec.target_vcenter.server}; etcd: {etcd_members(ctx)}")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        backup = ctx.backups.load("ControlPlaneMachineSet", MACHINE_API_NAMESPACE, "cluster")
        live = ctx.cluster.get_namespaced(CPMS, MACHINE_API_NAMESPACE, "cluster")
        assert live is not None
        if live["spec"] != backup["spec"]:
            live = ctx.cluster.replace_namespaced(CPMS, {**live, "spec": backup["spec"]})
        waiting = control_plane_on(ctx, live, str(ctx.status.source_server))
        if waiting:
            return requeue(POLL, "waiting for the control plane back on the source: " + "; ".join(waiting))
        return done("ControlPlaneMachineSet restored; control plane back on the source")
