"""The control plane's backing store, as the vcluster chart knows it (`controlPlane.backingStore`).

A request may set anything the chosen chart version's schema accepts there (a deployed etcd's image,
extraArgs, HA replicas, ...). The store is a deployed etcd or the embedded database, never both:
`etcd.deploy.enabled: false` means "no deployed etcd", i.e. the chart's embedded database. Where the
request is silent the preset decides the store and the etcd replicas. An external etcd or database is not
offered: it needs a datastore, endpoints and client certificates the platform does not provision.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import Problem
from ..mapping import dig
from ..schema_store import validate_helm_values

PATH = "spec.vcluster.backingStore"
ETCD_REPLICAS_PATH = ("etcd", "deploy", "statefulSet", "highAvailability", "replicas")
ENABLED = {
    "etcd": ("etcd", "deploy", "enabled"),
    "database": ("database", "embedded", "enabled"),
}
ETCD_MEMBERS = (1, 3, 5, 7)
EXTERNAL = (("etcd", "external", "enabled"), ("database", "external", "enabled"))


class Picker(Protocol):
    preset: str

    def pick(self, path: str, requested: Any) -> Any: ...

    def derived(self, path: str, value: Any, how: str) -> Any: ...


@dataclass(frozen=True)
class BackingStore:
    kind: str  # "etcd" (deployed with the vCluster) or "database" (embedded)
    etcd_replicas: int  # 0 for the embedded database
    values: dict[str, Any]  # what goes under controlPlane.backingStore: the chosen store only


def _schema_problems(tree: dict[str, Any], schema_version: str) -> list[Problem]:
    if not schema_version:
        return []  # the chart line itself is refused elsewhere
    prefix = "controlPlane.backingStore"
    found = validate_helm_values({"controlPlane": {"backingStore": tree}}, schema_version, "backingStore")
    return [Problem(PATH + p.path.removeprefix(prefix), dig(tree, *p.path.split(".")[2:]) or tree,
                         f"{p.message} (vcluster chart {schema_version} schema)") for p in found]


def _chosen_kind(r: Picker, tree: dict[str, Any], problems: list[Problem]) -> str:
    flags = {kind: dig(tree, *path) for kind, path in ENABLED.items()}
    for path in EXTERNAL:
        if dig(tree, *path):
            problems.append(Problem(f"{PATH}.{'.'.join(path)}", True,
                                         "an external datastore is not offered; allowed: etcd.deploy (deployed "
                                         "etcd) or database.embedded"))
    enabled = [kind for kind, flag in flags.items() if flag is True]
    # a store with settings but no `enabled` is chosen by its presence, as this request shape always did
    present = enabled or [k for k in ENABLED if isinstance(tree.get(k), dict) and tree[k] and not _only_disabled(
        tree[k]) and flags[k] is None]
    if len(present) > 1:
        problems.append(Problem(PATH, tree, "both etcd and database are chosen; the store is one or the "
                                                 "other, never both (allowed: etcd.deploy or database.embedded)"))
    if present:
        return str(r.derived("vcluster.backingStore.type", present[0], "request"))
    if flags["etcd"] is False:
        return str(r.derived("vcluster.backingStore.type", "database", "request (etcd.deploy.enabled: false)"))
    if flags["database"] is False:
        return str(r.derived("vcluster.backingStore.type", "etcd", "request (database.embedded.enabled: false)"))
    return str(r.pick("vcluster.backingStore.type", None))


def _only_disabled(tree: Any) -> bool:
    """True when a subtree holds nothing but `enabled: false` switches."""
    if isinstance(tree, dict):
        return all(v is False if k == "enabled" else _only_disabled(v) for k, v in tree.items())
    return False


def resolve_backing_store(r: Picker, tree: dict[str, Any] | None, schema_version: str,
                          problems: list[Problem]) -> BackingStore:
    """The store, etcd replicas and chart values from the request's backingStore (or the preset)."""
    tree = copy.deepcopy(tree or {})
    found = _schema_problems(tree, schema_version) if tree else []
    if found:  # the request is refused anyway; report the chart's own words and stop here
        problems.extend(found)
        return BackingStore("database", 0, {})
    kind = _chosen_kind(r, tree, problems)
    other = "database" if kind == "etcd" else "etcd"
    if other in tree and not _only_disabled(tree[other]):
        problems.append(Problem(f"{PATH}.{other}", tree[other],
                                     f"has no effect: the store is {kind}; remove it or choose {other}"))
    chosen: dict[str, Any] = tree[kind] if isinstance(tree.get(kind), dict) else {}
    if kind == "database":
        r.derived("vcluster.backingStore.etcdReplicas", 0, "derived (no etcd)")
        chosen.setdefault("embedded", {})["enabled"] = True
        return BackingStore("database", 0, {"database": chosen})
    replicas = r.pick("vcluster.backingStore.etcdReplicas", dig(tree, *ETCD_REPLICAS_PATH))
    if replicas not in ETCD_MEMBERS:
        problems.append(Problem(f"{PATH}.{'.'.join(ETCD_REPLICAS_PATH)}", replicas,
                                     "etcd needs an odd number of members for quorum; allowed: 1, 3, 5 or 7"))
    deploy = chosen.setdefault("deploy", {})
    deploy["enabled"] = True
    deploy.setdefault("statefulSet", {}).setdefault("highAvailability", {})["replicas"] = replicas
    return BackingStore("etcd", replicas if isinstance(replicas, int) else 0, {"etcd": chosen})


def merged_store_problems(backing_store: Any, resolved_kind: str) -> list[str]:
    """Problems of the store after helmOverrides are merged in: exactly the resolved store is enabled."""
    flags = {kind: dig(backing_store, *path) for kind, path in ENABLED.items()}
    enabled = sorted(kind for kind, flag in flags.items() if flag is True)
    if enabled == [resolved_kind] or (not enabled and resolved_kind == "database"):
        return []
    return [f"controlPlane.backingStore enables {' and '.join(enabled) or 'no store'} but the request resolves "
            f"to {resolved_kind}; choose the store in spec.vcluster.backingStore only"]
