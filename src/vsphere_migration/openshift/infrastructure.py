"""Restoring the Infrastructure `cluster` from a backup without breaking its CRD rules.

Some Infrastructure CRDs refuse adding and removing vCenters in one update, so a restore that must do both is
done in two updates: first the union (add what the backup has), then exactly the backup.
"""

from __future__ import annotations

import copy
from typing import Any

from .cluster import INFRASTRUCTURE, Cluster

Obj = dict[str, Any]


def _vsphere(spec: Obj) -> Obj:
    return dict((spec.get("platformSpec") or {}).get("vsphere") or {})


def union_spec(live: Obj, backup: Obj) -> Obj:
    """The live spec plus any vCenter and failure domain the backup has and the live spec lacks."""
    merged = copy.deepcopy(live)
    vsphere = merged.setdefault("platformSpec", {}).setdefault("vsphere", {})
    old = _vsphere(backup)
    servers = {v.get("server") for v in vsphere.get("vcenters") or []}
    vsphere["vcenters"] = [*(vsphere.get("vcenters") or []),
                           *[v for v in old.get("vcenters") or [] if v.get("server") not in servers]]
    names = {d.get("name") for d in vsphere.get("failureDomains") or []}
    vsphere["failureDomains"] = [*(vsphere.get("failureDomains") or []),
                                 *[d for d in old.get("failureDomains") or [] if d.get("name") not in names]]
    return merged


def restore_infrastructure(cluster: Cluster, backup: Obj) -> str:
    live = cluster.get_cluster_object(INFRASTRUCTURE, "cluster")
    if live["spec"] == backup["spec"]:
        return "Infrastructure already equals the backup"
    live_servers = {v.get("server") for v in _vsphere(live["spec"]).get("vcenters") or []}
    backup_servers = {v.get("server") for v in _vsphere(backup["spec"]).get("vcenters") or []}
    steps = 1
    if backup_servers - live_servers and live_servers - backup_servers:
        live = cluster.replace_cluster_object(INFRASTRUCTURE, {**live, "spec": union_spec(live["spec"],
                                                                                          backup["spec"])})
        steps = 2
    cluster.replace_cluster_object(INFRASTRUCTURE, {**live, "spec": backup["spec"]})
    return f"Infrastructure spec restored from the backup in {steps} update(s)"
