"""Phase 9: restart the pods that read the vSphere configuration, so they load the new vCenter."""

from __future__ import annotations

from ..api.models import PhaseName
from ..context import MigrationContext
from .base import Outcome, Phase, done

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


def restart_vsphere_pods(ctx: MigrationContext) -> int:
    deleted = 0
    for namespace, selector in VSPHERE_PODS:
        pods = ctx.cluster.call(f"list pods in {namespace}", lambda ns=namespace, sel=selector:  # type: ignore[misc]
                                ctx.cluster.core.list_namespaced_pod(ns, label_selector=sel), missing_ok=True)
        for pod in (pods.items if pods else []):
            ctx.cluster.call(f"delete pod {namespace}/{pod.metadata.name}",
                             lambda ns=namespace, name=pod.metadata.name:  # type: ignore[misc]
                             ctx.cluster.core.delete_namespaced_pod(name, ns), missing_ok=True)
            deleted += 1
    return deleted


class RestartPods(Phase):
    name = PhaseName.RESTART_PODS

    def execute(self, ctx: MigrationContext) -> Outcome:
        return done(f"{restart_vsphere_pods(ctx)} vSphere pod(s) restarted")
