"""Machines, MachineSets and Nodes: which are workers, where a provider spec points, what is ready."""

from __future__ import annotations

import copy
from typing import Any

from .cluster import MACHINE_API_NAMESPACE, MACHINE_SETS, MACHINES, Cluster

Obj = dict[str, Any]
ROLE = "machine.openshift.io/cluster-api-machine-role"
MACHINESET_LABEL = "machine.openshift.io/cluster-api-machineset"
CLUSTER_LABEL = "machine.openshift.io/cluster-api-cluster"
CREATED_BY = "migration.openshift.io/created-by"


def role_of(machine_set: Obj) -> str:
    labels = ((machine_set.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
    return str(labels.get(ROLE, ""))


def provider_value(obj: Obj) -> Obj:
    """providerSpec.value of a MachineSet (template), a Machine or a CPMS machine template."""
    spec = obj.get("spec") or {}
    if "template" in spec:
        template = spec["template"]
        template = template.get("machines_v1beta1_machine_openshift_io", template)
        spec = template.get("spec") or {}
    return dict(((spec.get("providerSpec") or {}).get("value")) or {})


def workspace_server(obj: Obj) -> str:
    return str((provider_value(obj).get("workspace") or {}).get("server", ""))


def retarget(value: Obj, server: str, topology: Any, folder: str) -> Obj:
    """A provider spec value moved to `server` and one failure domain's topology."""
    moved = copy.deepcopy(value)
    workspace = {"server": server, "datacenter": topology.datacenter, "datastore": topology.datastore,
                 "folder": folder, "resourcePool": topology.resource_pool or f"{topology.compute_cluster}/Resources"}
    moved["workspace"] = workspace
    moved["template"] = topology.template.rsplit("/", 1)[-1]
    devices = (moved.get("network") or {}).get("devices") or [{}]
    moved["network"] = {**(moved.get("network") or {}), "devices": [
        {**(devices[min(i, len(devices) - 1)]), "networkName": name} for i, name in enumerate(topology.networks)]}
    return moved


def worker_machine_sets(cluster: Cluster, names: list[str] | None) -> list[Obj]:
    sets = cluster.list_namespaced(MACHINE_SETS, MACHINE_API_NAMESPACE)
    if names:
        return [s for s in sets if s["metadata"]["name"] in names]
    return [s for s in sets if role_of(s) == "worker" and CREATED_BY not in (s["metadata"].get("labels") or {})]


def machines_of(cluster: Cluster, selector: dict[str, str]) -> list[Obj]:
    return [m for m in cluster.list_namespaced(MACHINES, MACHINE_API_NAMESPACE)
            if all((m["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())]


def node_ready(cluster: Cluster, name: str) -> bool:
    node = cluster.call(f"get node {name}", lambda: cluster.core.read_node(name), missing_ok=True)
    if node is None:
        return False
    return any(c.type == "Ready" and c.status == "True" for c in (node.status.conditions or []))


def machine_ready(cluster: Cluster, machine: Obj) -> bool:
    status = machine.get("status") or {}
    node = (status.get("nodeRef") or {}).get("name")
    return status.get("phase") == "Running" and bool(node) and node_ready(cluster, str(node))
