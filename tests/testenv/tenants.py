"""A tenant's world on the real API server, written as the real controllers would write it: the request and
Kratix's status merge, its Work, the ArgoCD Application, pods with kubelet-style status, the kubeconfig's
ExternalSecret with the status External Secrets gives it. Plus the status reconciler as a process."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from testenv.cluster import Cluster
from testenv.e2e import install_rbac
from testenv.kube import ApiError, Obj
from testenv.processes import REPO, ServerProcess, free_port
from testenv.prometheus import scrape

SHARED_SCHEMAS = Path(os.environ.get("SHARED_DIR", REPO.parent / "shared")) / "schemas"
PROMISE = REPO / "promises" / "vcluster-orchestrator-v2" / "promise.yaml"
RBAC = REPO / "deploy" / "vcluster-status" / "rbac.yaml"
ACCOUNT = ("vcluster-status", "vcluster-status-reconciler")
REQUESTS = "platform-requests"
API, KIND = "platform.integratn.tech/v1alpha1", "VClusterOrchestratorV2"
KRATIX_FINALIZER = "kratix.io/delete-workflows"

# Kratix's Work CRD is not among the upstream schemas: a structural stand-in with the same group, kind and scope.
WORK_CRD: Obj = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "works.platform.kratix.io"},
    "spec": {"group": "platform.kratix.io", "scope": "Namespaced",
             "names": {"kind": "Work", "plural": "works", "singular": "work", "listKind": "WorkList"},
             "versions": [{"name": "v1alpha1", "served": True, "storage": True,
                           "schema": {"openAPIV3Schema": {"type": "object",
                                                          "x-kubernetes-preserve-unknown-fields": True}},
                           "subresources": {"status": {}}}]},
}


def crds() -> list[Obj]:
    """The request's CRD (from the promise), ArgoCD Application, ExternalSecret and Kratix Work."""
    found = [yaml.safe_load(PROMISE.read_text())["spec"]["api"], WORK_CRD]
    for name in ("argocd/application-crd.yaml", "external-secrets/external-secrets.io_externalsecrets.yaml"):
        found += [d for d in yaml.safe_load_all((SHARED_SCHEMAS / name).read_text())
                  if d and d.get("kind") == "CustomResourceDefinition"]
    return found


def prepare(cluster: Cluster) -> str:
    """CRDs, the requests' namespace and the reconciler's deploy RBAC; returns the reconciler's token."""
    cluster.install_crds(crds())
    for namespace in (REQUESTS, "argocd"):
        cluster.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    return install_rbac(cluster, RBAC, account=ACCOUNT)


def kratix_writes_status(cluster: Cluster, name: str, pipeline_status: Obj) -> Obj:
    """Apply a pipeline's status.yaml as Kratix does: the current status kept, the file's keys over it,
    conditions merged by type; an update of the status subresource at the version just read (409: again)."""
    for _ in range(20):
        current = cluster.admin.get(API, KIND, name, REQUESTS)
        status = dict(current.get("status") or {})
        merged = {x["type"]: x for x in status.get("conditions") or []}
        merged.update({x["type"]: x for x in pipeline_status.get("conditions") or []})
        status.update({k: v for k, v in pipeline_status.items() if k != "conditions"})
        status["conditions"] = list(merged.values())
        try:
            return cluster.admin.request("PUT", cluster.admin.path_of(current) + "/status",
                                         {**current, "status": status})
        except ApiError as exc:
            if exc.code != 409:
                raise
    raise AssertionError("the request kept changing")


def application(name: str, destination: str, sync: str, health: str, operation: str = "") -> Obj:
    status: Obj = {"sync": {"status": sync}, "health": {"status": health}}
    if operation:
        status["operationState"] = {"phase": operation, "message": "one or more synchronization tasks failed"}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": name, "namespace": "argocd"},
            "spec": {"project": "default", "destination": {"name": destination, "namespace": "default"},
                     "source": {"repoURL": "https://charts.loft.sh", "chart": "vcluster", "targetRevision": "0.31.1"}},
            "status": status}


def set_application(cluster: Cluster, name: str, destination: str, sync: str, health: str,
                    operation: str = "") -> None:
    cluster.admin.apply(application(name, destination, sync, health, operation), manager="argocd")


def tenant_namespace(cluster: Cluster, namespace: str) -> None:
    """The namespace with its `default` ServiceAccount (no controller-manager here makes it)."""
    cluster.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    cluster.admin.apply({"apiVersion": "v1", "kind": "ServiceAccount",
                         "metadata": {"name": "default", "namespace": namespace}})


def set_pod(cluster: Cluster, namespace: str, name: str, *, ready: bool, crash: bool = False,
            phase: str = "Running") -> None:
    """A pod, with the status a kubelet would report (there is no kubelet here)."""
    cluster.admin.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
                         "spec": {"containers": [{"name": "main", "image": "registry.invalid/main:1"}]}})
    state: Obj = {"waiting": {"reason": "CrashLoopBackOff"}} if crash else {"running": {}}
    status = {"phase": phase,
              "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
              "containerStatuses": [{"name": "main", "ready": ready, "restartCount": 3 if crash else 0,
                                     "image": "registry.invalid/main:1", "imageID": "", "state": state}]}
    cluster.admin.request("PATCH", f"/api/v1/namespaces/{namespace}/pods/{name}/status", {"status": status},
                          content_type="application/merge-patch+json")


def set_external_secret(cluster: Cluster, namespace: str, name: str, synced: bool) -> None:
    cluster.admin.apply({"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
                         "metadata": {"name": name, "namespace": namespace},
                         "spec": {"secretStoreRef": {"name": "onepassword-store", "kind": "ClusterSecretStore"},
                                  "target": {"name": name}, "data": []}})
    condition = {"type": "Ready", "status": "True" if synced else "False",
                 "reason": "SecretSynced" if synced else "SecretSyncedError",
                 "message": "secret synced" if synced else "could not get secret data from provider"}
    cluster.admin.request("PATCH", f"/apis/external-secrets.io/v1/namespaces/{namespace}/externalsecrets/{name}"
                          "/status", {"status": {"conditions": [condition]}},
                          content_type="application/merge-patch+json")


def tenant_up(cluster: Cluster, status: Obj, pods: tuple[str, ...] = ("vcluster-0", "coredns-0")) -> None:
    """What a working tenant looks like, from the names in its request's status: ArgoCD Synced and Healthy,
    every pod ready, the kubeconfig synced."""
    namespace, vcluster = status["vcluster"]["namespace"], status["vcluster"]["name"]
    set_application(cluster, status["application"], vcluster, "Synced", "Healthy")
    tenant_namespace(cluster, namespace)
    for pod in pods:
        set_pod(cluster, namespace, pod, ready=True)
    set_external_secret(cluster, namespace, status["credentials"]["kubeconfigSecret"], synced=True)


def create_work(cluster: Cluster, request_name: str) -> None:
    cluster.admin.apply({"apiVersion": "platform.kratix.io/v1alpha1", "kind": "Work",
                         "metadata": {"name": f"vcluster-orchestrator-v2-{request_name}-configure",
                                      "namespace": REQUESTS,
                                      "labels": {"kratix.io/resource-name": request_name,
                                                 "kratix.io/promise-name": "vcluster-orchestrator-v2",
                                                 "kratix.io/work-type": "resource"}},
                         "spec": {"workloadGroups": []}})


def start_reconciler(cluster: Cluster, work: Path, token: str, *, name: str = "reconciler",
                     interval: float = 1.0, grace: float = 900.0, window: float = 600.0) -> tuple[ServerProcess, int]:
    """The reconciler as its Deployment runs it, under the deploy RBAC; returns the process and metrics port."""
    kubeconfig = cluster.write_kubeconfig(work / f"{name}.kubeconfig", token=token)
    port = free_port()
    env = {"KUBECONFIG": str(kubeconfig), "PYTHONPATH": str(REPO / "src"), "VCLUSTER_STATUS_INTERVAL": str(interval),
           "VCLUSTER_STATUS_STARTUP_GRACE": str(grace), "VCLUSTER_STATUS_FAILURE_WINDOW": str(window),
           "VCLUSTER_STATUS_METRICS_PORT": str(port)}
    process = ServerProcess(name, [sys.executable, "-m", "vcluster_status"], work, env=env)
    process.wait_until(lambda: bool(scrape(port)), timeout=60)
    return process, port


def wait_status(cluster: Cluster, name: str, check: Callable[[Obj], bool], process: ServerProcess | None = None,
                timeout: float = 30.0) -> Obj:
    deadline, last = time.monotonic() + timeout, {}
    while time.monotonic() < deadline:
        last = cluster.admin.get(API, KIND, name, REQUESTS).get("status") or {}
        if check(last):
            return last
        if process is not None and process.process.poll() is not None:
            raise AssertionError(f"reconciler exited:\n{process.log_tail(40)}")
        time.sleep(0.1)
    raise AssertionError(f"timed out; status: {last}\n{process.log_tail(30) if process else ''}")


def transition_events(cluster: Cluster, name: str) -> list[str]:
    """Reasons of the reconciler's Events on the request, oldest first."""
    events = cluster.admin.list_objects("v1", "Event", REQUESTS)
    mine = [e for e in events if e["involvedObject"]["name"] == name
            and (e.get("source") or {}).get("component") == "vcluster-status-reconciler"]
    return [e["reason"] for e in sorted(mine, key=lambda e: int(e["metadata"]["resourceVersion"]))]


def wait_events(cluster: Cluster, name: str, count: int, timeout: float = 20.0) -> list[str]:
    """The transition Events once there are `count` of them (each is posted right after its status write)."""
    deadline = time.monotonic() + timeout
    while len(found := transition_events(cluster, name)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return found
