"""A seeded "OpenShift cluster" on the test kube-apiserver: the objects the migration reads and changes.

The source vCenter S and target T are vcsim instances; the cluster's Infrastructure, cloud config,
credentials, CVO Deployment, MachineSets, ControlPlaneMachineSet and ClusterOperators point at S.
"""

from __future__ import annotations

import base64
import copy
import time
from pathlib import Path
from typing import Any

import yaml

from testenv.cluster import Cluster
from testenv.kube import ApiError, Obj
from testenv.vcsim import VCenter

INFRA_ID = "ocp-7xk2p"
TEMPLATE = "rhcos-416-template"
OPERATORS = ("kube-apiserver", "machine-api", "storage", "cloud-controller-manager", "etcd")
WORKER_SETS = {"ocp-7xk2p-worker-0": 3, "ocp-7xk2p-worker-1": 2}
MIGRATION_NAMESPACE = "openshift-config"
TARGET_SECRET = "target-vcenter-credentials"


def openshift_crds(shared: Path, infrastructure_variant: str = "Default") -> list[Obj]:
    crds = []
    for path in sorted((shared / "schemas" / "openshift").glob("*.crd.yaml")):
        if "infrastructures" in path.name and infrastructure_variant not in path.name:
            continue
        crds.append(yaml.safe_load(path.read_text()))
    return crds


def provider_spec(server: str, datacenter: str, cluster: str, datastore: str, network: str, folder: str,
                  template: str) -> Obj:
    return {"apiVersion": "machine.openshift.io/v1beta1", "kind": "VSphereMachineProviderSpec",
            "credentialsSecret": {"name": "vsphere-cloud-credentials"}, "diskGiB": 120, "memoryMiB": 16384,
            "numCPUs": 4, "numCoresPerSocket": 4, "snapshot": "", "template": template,
            "userDataSecret": {"name": "worker-user-data"}, "network": {"devices": [{"networkName": network}]},
            "workspace": {"server": server, "datacenter": datacenter, "datastore": datastore, "folder": folder,
                          "resourcePool": f"{cluster}/Resources"}}


def source_provider_spec(source: VCenter) -> Obj:
    return provider_spec(source.host, "DC0", "/DC0/host/DC0_C0", "/DC0/datastore/LocalDS_0", "VM Network",
                         f"/DC0/vm/{INFRA_ID}", f"{INFRA_ID}-rhcos")


def cloud_provider_config_ini(source: VCenter) -> str:
    return (f"[Global]\nsecret-name = \"vsphere-creds\"\nsecret-namespace = \"kube-system\"\ninsecure-flag = \"1\"\n\n"
            f"[Workspace]\nserver = \"{source.host}\"\ndatacenter = \"DC0\"\ndefault-datastore = \"LocalDS_0\"\n"
            f"folder = \"/DC0/vm/{INFRA_ID}\"\n\n[VirtualCenter \"{source.host}\"]\nport = \"{source.port}\"\n"
            "datacenters = \"DC0\"\n")


def seed(cluster: Cluster, source: VCenter, target: VCenter) -> None:
    """(Re)create the cluster's objects pointing at the source vCenter; safe to call again between tests."""
    admin = cluster.admin
    for ns in ("openshift-config", "openshift-machine-api", "openshift-cluster-version", "kube-system"):
        admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    infra = {"apiVersion": "config.openshift.io/v1", "kind": "Infrastructure", "metadata": {"name": "cluster"},
             "spec": {"cloudConfig": {"name": "cloud-provider-config", "key": "config"}, "platformSpec": {
                 "type": "VSphere", "vsphere": {
                     "vcenters": [{"server": source.host, "port": source.port, "datacenters": ["DC0"]}],
                     "failureDomains": [{"name": "source-fd", "region": "source-region", "zone": "source-zone",
                                         "server": source.host, "topology": {
                                             "datacenter": "DC0", "computeCluster": "/DC0/host/DC0_C0",
                                             "datastore": "/DC0/datastore/LocalDS_0", "networks": ["VM Network"],
                                             "resourcePool": "/DC0/host/DC0_C0/Resources",
                                             "folder": f"/DC0/vm/{INFRA_ID}"}}]}}}}
    replace(cluster, infra)
    admin.request("PATCH", "/apis/config.openshift.io/v1/infrastructures/cluster/status",
                  {"status": {"infrastructureName": INFRA_ID, "platform": "VSphere",
                              "platformStatus": {"type": "VSphere"}, "controlPlaneTopology": "HighlyAvailable",
                              "infrastructureTopology": "HighlyAvailable",
                              "apiServerURL": "https://api.ocp.example.com:6443",
                              "apiServerInternalURI": "https://api-int.ocp.example.com:6443",
                              "etcdDiscoveryDomain": ""}},
                  content_type="application/merge-patch+json")
    replace(cluster, {"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": {"name": "cloud-provider-config", "namespace": "openshift-config"},
                      "data": {"config": cloud_provider_config_ini(source)}})
    replace(cluster, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "vsphere-creds",
                                                                          "namespace": "kube-system"},
                      "type": "Opaque", "data": {f"{source.host}.username": b64(source.username),
                                                 f"{source.host}.password": b64(source.password)}})
    replace(cluster, {"apiVersion": "v1", "kind": "Secret",
                      "metadata": {"name": TARGET_SECRET, "namespace": MIGRATION_NAMESPACE}, "type": "Opaque",
                      "data": {"username": b64(target.username), "password": b64(target.password)}})
    replace(cluster, {"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": {"name": "target-vcenter-ca", "namespace": MIGRATION_NAMESPACE},
                      "data": {"ca-bundle.crt": target.ca_bundle.read_text()}})
    replace(cluster, {"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": {"name": "source-vcenter-ca", "namespace": MIGRATION_NAMESPACE},
                      "data": {"ca-bundle.crt": source.ca_bundle.read_text()}})
    replace(cluster, cvo_deployment())
    spec = source_provider_spec(source)
    for name, replicas in WORKER_SETS.items():
        replace(cluster, machine_set(name, replicas, spec))
    replace(cluster, cpms(spec))
    for name in OPERATORS:
        set_operator(cluster, name, available=True, degraded=False)
    set_cluster_version(cluster, progressing=False)
    set_feature_gate(cluster, enabled=True)
    set_csi_driver(cluster, "Managed", degraded=False)


OCP_VERSION = "4.18.12"
DAY2_GATE = "VSphereMultiVCenterDay2"


def set_cluster_version(cluster: Cluster, *, progressing: bool) -> None:
    """ClusterVersion `version` at OCP_VERSION, with an upgrade in progress or not."""
    admin = cluster.admin
    replace(cluster, {"apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion", "metadata": {"name": "version"},
                      "spec": {"clusterID": "5c2bd1b4-0a9e-4a8b-9d4e-1f0c2d3e4f50", "channel": "stable-4.18"}})
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    message = "Working towards 4.18.13: 106 of 863 done (12% complete)" if progressing \
        else f"Cluster version is {OCP_VERSION}"
    condition = {"type": "Progressing", "status": "True" if progressing else "False", "lastTransitionTime": now,
                 "message": message}
    desired = {"version": OCP_VERSION, "image": "quay.io/openshift-release-dev/ocp-release@sha256:" + "1" * 64}
    admin.request("PUT", "/apis/config.openshift.io/v1/clusterversions/version/status", {
        **admin.get("config.openshift.io/v1", "ClusterVersion", "version"),
        "status": {"availableUpdates": None, "desired": desired, "observedGeneration": 1, "versionHash": "x1",
                   "conditions": [condition]}})


def set_feature_gate(cluster: Cluster, *, enabled: bool) -> None:
    """featuregate/cluster (CustomNoUpgrade, which the API server never lets go back) with the day-2 vCenter gate
    enabled or disabled for OCP_VERSION."""
    admin = cluster.admin
    spec = {"featureSet": "CustomNoUpgrade", "customNoUpgrade": {"enabled" if enabled else "disabled": [DAY2_GATE]}}
    replace(cluster, {"apiVersion": "config.openshift.io/v1", "kind": "FeatureGate", "metadata": {"name": "cluster"},
                      "spec": spec})
    gates = {"enabled": [{"name": DAY2_GATE}] if enabled else [], "disabled": [] if enabled else [{"name": DAY2_GATE}]}
    admin.request("PUT", "/apis/config.openshift.io/v1/featuregates/cluster/status", {
        **admin.get("config.openshift.io/v1", "FeatureGate", "cluster"),
        "status": {"featureGates": [{"version": OCP_VERSION, **gates}]}})


def set_csi_driver(cluster: Cluster, state: str, *, degraded: bool) -> None:
    """The vSphere ClusterCSIDriver in a management state, its operator degraded or not."""
    replace(cluster, {"apiVersion": "operator.openshift.io/v1", "kind": "ClusterCSIDriver",
                      "metadata": {"name": "csi.vsphere.vmware.com"},
                      "spec": {"managementState": state, "driverConfig": {"driverType": "vSphere"}}})
    condition = {"type": "VMwareVSphereControllerDegraded", "status": str(degraded), "reason": "SyncError" if degraded
                 else "AsExpected", "lastTransitionTime": "2026-01-01T00:00:00Z",
                 "message": "cannot connect to vCenter" if degraded else ""}
    cluster.admin.request("PATCH", "/apis/operator.openshift.io/v1/clustercsidrivers/csi.vsphere.vmware.com/status",
                          {"status": {"conditions": [condition]}}, content_type="application/merge-patch+json")


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def replace(cluster: Cluster, obj: Obj) -> Obj:
    """Make the live object equal `obj` (create, or replace dropping fields `obj` does not have)."""
    admin = cluster.admin
    meta = obj["metadata"]
    try:
        live = admin.get(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"))
    except ApiError as exc:
        if exc.code != 404:
            raise
        return admin.create(obj)
    body = copy.deepcopy(obj)
    body["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
    return admin.request("PUT", admin.path_of(obj), body)


def cvo_deployment() -> Obj:
    labels = {"k8s-app": "cluster-version-operator"}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "cluster-version-operator", "namespace": "openshift-cluster-version"},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "cluster-version-operator",
                                         "image": "quay.io/openshift-release-dev/ocp-release@sha256:" + "0" * 64}]}}}}


def machine_set(name: str, replicas: int, spec: Obj) -> Obj:
    labels = {"machine.openshift.io/cluster-api-cluster": INFRA_ID, "machine.openshift.io/cluster-api-machineset": name}
    return {"apiVersion": "machine.openshift.io/v1beta1", "kind": "MachineSet",
            "metadata": {"name": name, "namespace": "openshift-machine-api",
                         "labels": {"machine.openshift.io/cluster-api-cluster": INFRA_ID}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": {**labels, "machine.openshift.io/cluster-api-machine-role": "worker",
                                        "machine.openshift.io/cluster-api-machine-type": "worker"}},
                "spec": {"providerSpec": {"value": spec}}}}}


def cpms(spec: Obj) -> Obj:
    labels = {"machine.openshift.io/cluster-api-cluster": INFRA_ID,
              "machine.openshift.io/cluster-api-machine-role": "master",
              "machine.openshift.io/cluster-api-machine-type": "master"}
    return {"apiVersion": "machine.openshift.io/v1", "kind": "ControlPlaneMachineSet",
            "metadata": {"name": "cluster", "namespace": "openshift-machine-api"},
            "spec": {"replicas": 3, "state": "Active", "strategy": {"type": "RollingUpdate"},
                     "selector": {"matchLabels": labels}, "template": {
                         "machineType": "machines_v1beta1_machine_openshift_io",
                         "machines_v1beta1_machine_openshift_io": {
                             "failureDomains": {"platform": "VSphere", "vsphere": [{"name": "source-fd"}]},
                             "metadata": {"labels": labels},
                             "spec": {"providerSpec": {"value": {**spec, "template": f"{INFRA_ID}-rhcos"}}}}}}}


def make_cpms_inactive(cluster: Cluster, source: VCenter) -> None:
    """The ControlPlaneMachineSet as on a cluster installed before CPMS existed: Inactive. The API refuses
    Active → Inactive, so it is deleted and created again."""
    path = "/apis/machine.openshift.io/v1/namespaces/openshift-machine-api/controlplanemachinesets/cluster"
    cluster.admin.request("DELETE", path)
    inactive = cpms(source_provider_spec(source))
    inactive["spec"]["state"] = "Inactive"
    cluster.admin.create(inactive)


def set_operator(cluster: Cluster, name: str, *, available: bool, degraded: bool,
                 extra: Obj | None = None) -> None:
    admin = cluster.admin
    try:
        admin.get("config.openshift.io/v1", "ClusterOperator", name)
    except ApiError:
        admin.create({"apiVersion": "config.openshift.io/v1", "kind": "ClusterOperator", "metadata": {"name": name},
                      "spec": {}})
    now = "2026-01-01T00:00:00Z"
    conditions = [{"type": "Available", "status": str(available), "lastTransitionTime": now, "reason": "AsExpected"},
                  {"type": "Degraded", "status": str(degraded), "lastTransitionTime": now, "reason": "AsExpected"},
                  {"type": "Progressing", "status": "False", "lastTransitionTime": now, "reason": "AsExpected"}]
    if extra:
        conditions.append({"lastTransitionTime": now, "reason": "AsExpected", **extra})
    admin.request("PATCH", f"/apis/config.openshift.io/v1/clusteroperators/{name}/status",
                  {"status": {"conditions": conditions}}, content_type="application/merge-patch+json")


def failure_domain(target: VCenter, name: str = "target-fd-a", zone: str = "zone-a") -> Obj:
    return {"name": name, "region": "region-east", "zone": zone, "server": target.host, "topology": {
        "datacenter": "DC0", "computeCluster": "/DC0/host/DC0_C0", "datastore": "/DC0/datastore/LocalDS_0",
        "networks": ["VM Network"], "resourcePool": "/DC0/host/DC0_C0/Resources", "template": f"/DC0/vm/{TEMPLATE}"}}


def migration(target: VCenter, name: str = "move-to-t", *, state: str = "Running", mode: str = "Manual",
              failure_domains: list[Obj] | None = None, **spec: Any) -> Obj:
    return {"apiVersion": "migration.openshift.io/v1alpha1", "kind": "VmwareCloudFoundationMigration",
            "metadata": {"name": name, "namespace": MIGRATION_NAMESPACE},
            "spec": {"state": state, "approvalMode": mode,
                     "sourceVCenter": {"caBundle": {"name": "source-vcenter-ca", "namespace": MIGRATION_NAMESPACE}},
                     "targetVCenter": {"server": target.host, "port": target.port, "datacenters": ["DC0"],
                                       "credentialsSecret": {"name": TARGET_SECRET, "namespace": MIGRATION_NAMESPACE},
                                       "caBundle": {"name": "target-vcenter-ca", "namespace": MIGRATION_NAMESPACE}},
                     "failureDomains": failure_domains or [failure_domain(target)], **spec}}


def configuration(cluster: Cluster) -> dict[str, Any]:
    """The cluster configuration a rollback must restore, field by field, read from the API server."""
    admin = cluster.admin
    machine_sets = admin.list_objects("machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api")
    return {
        "infrastructure": admin.get("config.openshift.io/v1", "Infrastructure", "cluster")["spec"],
        "cloud-config": admin.get("v1", "ConfigMap", "cloud-provider-config", "openshift-config")["data"],
        "credentials": admin.get("v1", "Secret", "vsphere-creds", "kube-system")["data"],
        "cpms": admin.get("machine.openshift.io/v1", "ControlPlaneMachineSet", "cluster",
                          "openshift-machine-api")["spec"],
        "machine-sets": {m["metadata"]["name"]: m["spec"] for m in machine_sets},
        "cvo-replicas": admin.get("apps/v1", "Deployment", "cluster-version-operator",
                                  "openshift-cluster-version")["spec"]["replicas"],
    }
