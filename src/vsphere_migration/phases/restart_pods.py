"""Phase 9: restart the pods that read the vSphere configuration, so they load the new vCenter, and wait until
their replacements are Ready (within the phase's timeout) rather than leaving that to MonitorHealth.

The uids of the pods to delete are recorded before they are deleted. A resumed run deletes every recorded pod
that still exists (a run killed before or during the deletions left some), never one that is already gone or
going, and waits for the same replacements. A component that had N pods is done when N pods that are not the
recorded ones are Ready."""

from __future__ import annotations

from typing import Any

from ..api.models import PhaseName
from ..context import MigrationContext
from .base import Outcome, Phase, done, requeue

POLL = 2.0
# (namespace, label selector) of the components of an OpenShift cluster that read the vSphere cloud config or
# credentials only at start: the CSI driver (controller, node daemon set, its operator), the cloud controller
# manager, machine-api's controllers, the storage operator and its vSphere problem detector, and the machine
# config operator and controller (which render the cloud config into the nodes' kubelet configuration).
VSPHERE_PODS = (
    ("openshift-cluster-csi-drivers", "app=vmware-vsphere-csi-driver-controller"),
    ("openshift-cluster-csi-drivers", "app=vmware-vsphere-csi-driver-node"),
    ("openshift-cluster-csi-drivers", "name=vmware-vsphere-csi-driver-operator"),
    ("openshift-cloud-controller-manager", "k8s-app=vsphere-cloud-controller-manager"),
    ("openshift-machine-api", "k8s-app=controller"),
    ("openshift-cluster-storage-operator", "name=cluster-storage-operator"),
    ("openshift-cluster-storage-operator", "name=vsphere-problem-detector-operator"),
    ("openshift-machine-config-operator", "k8s-app=machine-config-operator"),
    ("openshift-machine-config-operator", "k8s-app=machine-config-controller"),
)


def pods(ctx: MigrationContext, namespace: str, selector: str) -> list[Any]:
    found = ctx.cluster.call(f"list pods in {namespace}", lambda: ctx.cluster.core.list_namespaced_pod(
        namespace, label_selector=selector), missing_ok=True)
    return list(found.items) if found else []


def ready(pod: Any) -> bool:
    return pod.metadata.deletion_timestamp is None and any(
        c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or []) if pod.status)


def current_pods(ctx: MigrationContext) -> dict[str, list[str]]:
    """'<namespace> <selector>' → the uids of that component's pods now."""
    return {f"{ns} {selector}": sorted(p.metadata.uid for p in pods(ctx, ns, selector))
            for ns, selector in VSPHERE_PODS}


def restart_vsphere_pods(ctx: MigrationContext, only: dict[str, list[str]]) -> int:
    """Delete the vSphere pods whose uids are recorded in `only` and that still exist and are not already
    being deleted; returns how many were deleted now."""
    deleted = 0
    for namespace, selector in VSPHERE_PODS:
        for pod in pods(ctx, namespace, selector):
            if pod.metadata.uid in only.get(f"{namespace} {selector}", []) and pod.metadata.deletion_timestamp is None:
                ctx.cluster.call(f"delete pod {namespace}/{pod.metadata.name}",
                                 lambda ns=namespace, name=pod.metadata.name:  # type: ignore[misc]
                                 ctx.cluster.core.delete_namespaced_pod(name, ns), missing_ok=True)
                deleted += 1
    return deleted


def not_ready(ctx: MigrationContext, recorded: dict[str, list[str]]) -> list[str]:
    """'<namespace> <selector> <ready>/<wanted>' for each component whose replacements are not all Ready."""
    waiting = []
    for key, old in recorded.items():
        if not old:
            continue
        namespace, selector = key.split(" ", 1)
        fresh = [p for p in pods(ctx, namespace, selector) if p.metadata.uid not in old and ready(p)]
        if len(fresh) < len(old):
            waiting.append(f"{key} {len(fresh)}/{len(old)}")
    return waiting


class RestartPods(Phase):
    name = PhaseName.RESTART_PODS

    def execute(self, ctx: MigrationContext) -> Outcome:
        recorded = ctx.status.recorded.restarted_pods
        if recorded is None:
            recorded = current_pods(ctx)
            ctx.write_ahead("restarted_pods", recorded)
        restart_vsphere_pods(ctx, recorded)
        waiting = not_ready(ctx, recorded)
        if waiting:
            return requeue(POLL, "waiting for the restarted pods to be Ready: " + ", ".join(waiting))
        return done(f"{sum(len(v) for v in recorded.values())} vSphere pod(s) restarted and Ready again")
