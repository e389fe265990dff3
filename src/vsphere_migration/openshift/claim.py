"""One active migration per cluster, decided by the API server rather than by a check-then-act read: before it
changes anything, a migration claims the Lease openshift-config/vsphere-migration-active (holder
`<namespace>/<name>/<uid>`). Creating it, or taking it over at the resourceVersion read, succeeds for one writer
only; the other gets HTTP 409 and, reading again, finds the winner. A claim held by a migration that is gone or
no longer active is taken over."""

from __future__ import annotations

from typing import Any

from .cluster import MIGRATIONS, Cluster, ClusterError

LOCK_NAMESPACE, LOCK_NAME = "openshift-config", "vsphere-migration-active"
RACE_ATTEMPTS = 5
ACTIVE = ("Running", "WaitingForApproval", "RollingBack", "Paused")


def holder(namespace: str, name: str, uid: str) -> str:
    return f"{namespace}/{name}/{uid}"


def _lease(identity: str, version: str | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": LOCK_NAME, "namespace": LOCK_NAMESPACE}
    if version:
        metadata["resourceVersion"] = version
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata,
            "spec": {"holderIdentity": identity}}


def active_holder(cluster: Cluster, identity: str) -> str | None:
    """'<namespace>/<name>' when the migration named by `identity` exists and is active, else None."""
    namespace, name, uid = [*identity.split("/", 2), "", ""][:3]
    other = cluster.get_namespaced(MIGRATIONS, namespace, name, missing_ok=True) if namespace and name else None
    if other is None or other["metadata"].get("uid") != uid or other["metadata"].get("deletionTimestamp"):
        return None
    return f"{namespace}/{name}" if (other.get("status") or {}).get("phase") in ACTIVE else None


def claim(cluster: Cluster, namespace: str, name: str, uid: str) -> str | None:
    """Claim the cluster for this migration; None when it holds the claim now, else the active migration that
    holds it. A write that loses a race (HTTP 409) reads the Lease again and decides on what the winner wrote."""
    for attempt in range(RACE_ATTEMPTS):
        try:
            return _claim_once(cluster, holder(namespace, name, uid))
        except ClusterError as exc:
            if exc.status != 409 or attempt == RACE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _claim_once(cluster: Cluster, me: str) -> str | None:
    api = cluster.coordination
    lease = cluster.call(f"get lease {LOCK_NAMESPACE}/{LOCK_NAME}", lambda: api.read_namespaced_lease(
        LOCK_NAME, LOCK_NAMESPACE), missing_ok=True)
    if lease is None:
        cluster.must(f"create lease {LOCK_NAMESPACE}/{LOCK_NAME}", lambda: api.create_namespaced_lease(
            LOCK_NAMESPACE, _lease(me, None)))
        return None
    current = lease.spec.holder_identity or ""
    if current == me:
        return None
    other = active_holder(cluster, current) if current else None
    if other is not None:
        return other
    version = lease.metadata.resource_version
    cluster.must(f"update lease {LOCK_NAMESPACE}/{LOCK_NAME}", lambda: api.replace_namespaced_lease(
        LOCK_NAME, LOCK_NAMESPACE, _lease(me, version)))
    return None
