"""One tenant per name: two requests never render one tenant's namespace, AppProject or name.

The configure pipeline lists every VClusterOrchestratorV2 request (its only API permission, `list`) and
refuses a request whose spec.name, host namespace or AppProject another request already holds: the oldest
request keeps them (creation time, then namespace/name), so a newcomer can never take a running tenant's
identity, and the holder is named in the refusal. A request being deleted still holds its identity until it
is gone. Offline (no in-cluster service account and no KUBECONFIG: the CLI's `render`, an image smoke
run) there is nothing to compare with and the check is skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from platform_common.kube import api_client, api_error_text

from .. import API_GROUP, API_VERSION
from ..errors import InvalidRequest, Problem, Unavailable
from ..models import EffectiveSettings

PLURAL = "vclusterorchestratorv2s"
Lister = Callable[[], list[dict[str, Any]]]


def identity_of(doc: dict[str, Any]) -> dict[str, str]:
    """What a live request claims, read leniently (another request may no longer validate as a whole)."""
    spec: dict[str, Any] = doc["spec"] if isinstance(doc.get("spec"), dict) else {}
    name = str(spec.get("name") or "")
    return {"spec.name": name,
            "spec.targetNamespace": str(spec.get("targetNamespace") or f"vcluster-{name}"),
            "spec.projectName": str(spec.get("projectName") or f"vcluster-{name}")}


def _age_key(doc: dict[str, Any]) -> tuple[str, str, str]:
    meta = doc.get("metadata") or {}
    return str(meta.get("creationTimestamp") or "~"), str(meta.get("namespace", "")), str(meta.get("name", ""))


def identity_of_settings(settings: EffectiveSettings) -> dict[str, str]:
    return {"spec.name": settings.name, "spec.targetNamespace": settings.target_namespace,
            "spec.projectName": settings.project_name}


def older_holders(mine: dict[str, str], me: dict[str, Any], others: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Field path → `namespace/name` of the oldest other request holding that identity of `mine`, for those an
    older request than `me` holds."""
    my_uid, my_age = (me.get("metadata") or {}).get("uid"), _age_key(me)
    held: dict[str, str] = {}
    for other in sorted(others, key=_age_key):
        meta = other.get("metadata") or {}
        if (my_uid and meta.get("uid") == my_uid) or _age_key(other) >= my_age:
            continue
        theirs = set(identity_of(other).values())
        for path, value in mine.items():
            if value in theirs:
                held.setdefault(path, f"{meta.get('namespace')}/{meta.get('name')}")
    return held


def identity_conflicts(mine: dict[str, str], me: dict[str, Any], others: Iterable[dict[str, Any]]) -> list[Problem]:
    """A problem for each identity in `mine` (field path → value) an older request than `me` holds."""
    return [Problem(path, mine[path], f"is already the tenant of request {holder} (older, so it keeps it); "
                                      "choose another name")
            for path, holder in older_holders(mine, me, others).items()]


def can_reach_cluster(env: dict[str, str] | None = None) -> bool:
    env = dict(os.environ) if env is None else env
    return bool(env.get("KUBERNETES_SERVICE_HOST") or env.get("KUBECONFIG"))


def list_requests() -> list[dict[str, Any]]:
    """Every VClusterOrchestratorV2 in the cluster, as plain mappings."""
    from kubernetes import client

    try:
        api = client.CustomObjectsApi(api_client())
        listed: dict[str, Any] = api.list_cluster_custom_object(API_GROUP, API_VERSION, PLURAL)
    except Exception as exc:  # noqa: BLE001 - any failure means "unknown", reported with the API's words
        raise Unavailable(
            f"cannot list {PLURAL} to check that this tenant's name is its own: {api_error_text(exc)}; the "
            "configure pipeline's service account needs list on them (the promise declares it)") from None
    return list(listed.get("items") or [])


def check_identity(settings: EffectiveSettings, doc: dict[str, Any], lister: Lister | None = None) -> None:
    """Raise InvalidRequest when an older request holds this one's name, namespace or AppProject."""
    if lister is None and not can_reach_cluster():
        return
    problems = identity_conflicts(identity_of_settings(settings), doc, (lister or list_requests)())
    if problems:
        raise InvalidRequest(problems)
