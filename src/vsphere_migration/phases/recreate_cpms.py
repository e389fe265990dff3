"""Phase 12: point the ControlPlaneMachineSet at the target's failure domains, and make it Active when it was
Inactive (an Inactive CPMS never replaces a control-plane Machine, so the control plane would stay on the
source). Done when every control-plane Machine runs on the target with a Ready Node and etcd reports all
members; until then status.rollout.controlPlane shows updated/ready/total and when the phase times out.

Rollback puts the backed-up template back (Active, so the control plane moves back to the source) and waits.
A CPMS that was Inactive cannot be made Inactive again (the API refuses: "state cannot be changed once
Active"), so once the control plane is back on the source it is deleted and re-created from the backup,
Inactive, as it was."""

from __future__ import annotations

import copy
from typing import Any

from ..api.models import ControlPlaneRollout, PhaseName
from ..context import MigrationContext
from ..openshift.cluster import CLUSTER_OPERATORS, CPMS, MACHINE_API_NAMESPACE, ClusterError
from ..openshift.machines import ROLE, machine_ready, machines_of, provider_value, retarget, workspace_server
from .base import Outcome, Phase, done, requeue

POLL = 2.0
TEMPLATE_KEY = "machines_v1beta1_machine_openshift_io"
KEPT_METADATA = ("name", "namespace", "labels", "annotations")


def etcd_members(ctx: MigrationContext) -> str:
    """The etcd operator's EtcdMembersAvailable message, e.g. '3 members are available'."""
    for op in ctx.cluster.list_cluster_objects(CLUSTER_OPERATORS):
        if op["metadata"]["name"] == "etcd":
            for c in (op.get("status") or {}).get("conditions") or []:
                if c.get("type") == "EtcdMembersAvailable" and c.get("status") == "True":
                    return str(c.get("message", ""))
    return ""


def state_of(cpms: dict[str, Any]) -> str:
    return str(cpms["spec"].get("state") or "Inactive")  # the API's default


def control_plane_on(ctx: MigrationContext, cpms: dict[str, Any], server: str) -> list[str]:
    """What still keeps the control plane from being fully on `server` (empty when it is); the counts go to
    status.rollout.controlPlane."""
    replicas = int(cpms["spec"].get("replicas", 3))
    masters = machines_of(ctx.cluster, {ROLE: "master"})
    updated = [m for m in masters if workspace_server(m) == server]
    ready = [m for m in updated if machine_ready(ctx.cluster, m)]
    etcd = etcd_members(ctx)
    ctx.status.rollout.control_plane = ControlPlaneRollout(
        server=server, state=state_of(cpms), updated=len(updated), ready=len(ready), total=replicas, etcd=etcd,
        timeout_at=ctx.timeout_at(PhaseName.RECREATE_CPMS))
    waiting = []
    if len(ready) < replicas or len(masters) != replicas:
        waiting.append(f"{len(ready)}/{replicas} control-plane machines ready on {server} "
                       f"({len(masters)} in total)")
    if not etcd.startswith(f"{replicas} members"):
        waiting.append(f"etcd: {etcd or 'members not reported'}")
    return waiting


def targeted(ctx: MigrationContext, cpms: dict[str, Any]) -> dict[str, Any]:
    updated = copy.deepcopy(cpms)
    updated["spec"]["state"] = "Active"
    template = updated["spec"]["template"][TEMPLATE_KEY]
    domain = ctx.spec.failure_domains[0]
    folder = domain.topology.folder or f"/{domain.topology.datacenter}/vm/{ctx.infra_id()}"
    value = retarget(provider_value(cpms), ctx.spec.target_vcenter.server, domain.topology, folder)
    template["spec"]["providerSpec"] = {"value": value}
    template["failureDomains"] = {"platform": "VSphere", "vsphere": [{"name": d.name} for d in
                                                                     ctx.spec.failure_domains]}
    return updated


def recreated(backup: dict[str, Any]) -> dict[str, Any]:
    """The backed-up CPMS as a new object (what the API server assigned is dropped)."""
    meta = {k: v for k, v in backup["metadata"].items() if k in KEPT_METADATA}
    return {"apiVersion": backup["apiVersion"], "kind": backup["kind"], "metadata": meta, "spec": backup["spec"]}


def recreate(ctx: MigrationContext, backup: dict[str, Any]) -> None:
    """Create the CPMS from its backup; when the CPMS operator has already generated a new (Inactive) one, give
    that one the backed-up spec instead."""
    try:
        ctx.cluster.create_namespaced(CPMS, recreated(backup))
    except ClusterError as exc:
        if exc.status != 409:
            raise
        live = ctx.cluster.get_namespaced(CPMS, MACHINE_API_NAMESPACE, "cluster")
        assert live is not None
        ctx.cluster.replace_namespaced(CPMS, {**live, "spec": backup["spec"]})


class RecreateCPMS(Phase):
    name = PhaseName.RECREATE_CPMS

    def execute(self, ctx: MigrationContext) -> Outcome:
        cpms = ctx.cluster.get_namespaced(CPMS, MACHINE_API_NAMESPACE, "cluster")
        assert cpms is not None
        wanted = targeted(ctx, cpms)
        if wanted["spec"] != cpms["spec"]:
            if state_of(cpms) != "Active":
                ctx.emit("ControlPlaneMachineSetActivated", "ControlPlaneMachineSet was Inactive; set to Active so "
                         "it replaces the control-plane Machines")
            cpms = ctx.cluster.replace_namespaced(CPMS, wanted)
        waiting = control_plane_on(ctx, cpms, ctx.spec.target_vcenter.server)
        if waiting:
            return requeue(POLL, "waiting for the control plane: " + "; ".join(waiting))
        return done(f"control plane replaced on {ctx.spec.target_vcenter.server}; etcd: {etcd_members(ctx)}")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        backup = ctx.backups.load("ControlPlaneMachineSet", MACHINE_API_NAMESPACE, "cluster")
        live = ctx.cluster.get_namespaced(CPMS, MACHINE_API_NAMESPACE, "cluster", missing_ok=True)
        if live is None:  # deleted by an earlier run of this step, after the control plane was back
            recreate(ctx, backup)
            return done("ControlPlaneMachineSet re-created from its backup")
        restoring = {**backup["spec"], "state": state_of(live)} if state_of(live) == "Active" else backup["spec"]
        if live["spec"] != restoring:
            live = ctx.cluster.replace_namespaced(CPMS, {**live, "spec": restoring})
        waiting = control_plane_on(ctx, live, str(ctx.status.source_server))
        if waiting:
            return requeue(POLL, "waiting for the control plane back on the source: " + "; ".join(waiting))
        if state_of(live) != state_of(backup):
            ctx.cluster.delete_namespaced(CPMS, MACHINE_API_NAMESPACE, "cluster")
            recreate(ctx, backup)
            return done(f"control plane back on the source; ControlPlaneMachineSet re-created {state_of(backup)} "
                        "from its backup")
        return done("ControlPlaneMachineSet restored; control plane back on the source")
