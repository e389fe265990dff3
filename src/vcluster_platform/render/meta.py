"""Labels, annotations and sync waves shared by every rendered object."""

from __future__ import annotations

from typing import Any

from .. import PROMISE_NAME
from ..models import EffectiveSettings

SYNC_WAVE = "argocd.argoproj.io/sync-wave"

# ArgoCD applies lower waves first: namespace, then RBAC and policies, then secret plumbing, then the
# AppProject and Application, then exposure, then the kubeconfig sync Job (it needs the running vCluster).
WAVE_NAMESPACE = -3
WAVE_RBAC = -2
WAVE_SECRETS = -1
WAVE_PROJECT = 0
WAVE_APPLICATION = 1
WAVE_EXPOSURE = 2
WAVE_SYNC_JOB = 3

Obj = dict[str, Any]


def fit_name(name: str, limit: int = 63) -> str:
    """`name`, or when longer than a DNS-1123 label allows, its head and a stable hash of the whole."""
    if len(name) <= limit:
        return name
    import hashlib

    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:limit - 9].rstrip('-')}-{digest}"


def common_labels(s: EffectiveSettings) -> dict[str, str]:
    return {
        "kratix.io/promise-name": PROMISE_NAME,
        "kratix.io/resource-name": s.request_name,
        "app.kubernetes.io/managed-by": "kratix",
        "app.kubernetes.io/part-of": f"vcluster-{s.name}",
        "platform.integratn.tech/vcluster": s.name,
    }


def metadata(
    s: EffectiveSettings,
    name: str,
    namespace: str | None,
    wave: int,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> Obj:
    """Object metadata with the common labels and the sync-wave annotation (namespace None: cluster-scoped)."""
    meta: Obj = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    meta["labels"] = {**common_labels(s), **(labels or {})}
    meta["annotations"] = {SYNC_WAVE: str(wave), **(annotations or {})}
    return meta


def obj(api_version: str, kind: str, meta: Obj, **body: Any) -> Obj:
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, **body}
