"""What the reconciler sees of one tenant, as plain data (read by `observe`, judged by `assess`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from platform_common.clock import seconds_since

Obj = dict[str, Any]


@dataclass(frozen=True)
class Tenant:
    """Names the pipeline published in the request's status (nothing is re-derived from the spec)."""

    request_namespace: str
    request_name: str
    vcluster: str
    namespace: str
    application: str
    application_namespace: str
    kubeconfig_secret: str
    api_endpoint: str
    backup_cronjob: str = ""  # the etcd snapshot CronJob, when the tenant has backups
    backup_max_age: int = 0  # seconds the last good snapshot may be old before it is stale

    @property
    def key(self) -> str:
        return f"{self.request_namespace}/{self.request_name}"


def tenant_of(request: Obj) -> Tenant | None:
    """The tenant a request names in its status; None until the configure pipeline has written it."""
    status = request.get("status") or {}
    vcluster = status.get("vcluster") or {}
    application = status.get("application")
    if not application or not vcluster.get("namespace"):
        return None
    meta = request["metadata"]
    credentials = status.get("credentials") or {}
    backup = status.get("backup") or {}
    return Tenant(
        request_namespace=meta["namespace"], request_name=meta["name"],
        vcluster=str(vcluster.get("name") or meta["name"]), namespace=str(vcluster["namespace"]),
        application=str(application), application_namespace=str(status.get("applicationNamespace") or "argocd"),
        kubeconfig_secret=str(credentials.get("kubeconfigSecret") or status.get("kubeconfigSecret") or ""),
        api_endpoint=str((status.get("endpoints") or {}).get("api") or vcluster.get("endpoint") or ""),
        backup_cronjob=str(backup.get("cronJob") or ""), backup_max_age=int(backup.get("maxAgeSeconds") or 0),
    )


@dataclass(frozen=True)
class PodCounts:
    ready: int = 0
    total: int = 0
    crash_looping: tuple[str, ...] = ()


@dataclass(frozen=True)
class Observation:
    """One look at the live objects; `application` / `kubeconfig` are None when they do not exist."""

    namespace_exists: bool
    application: Obj | None
    pods: PodCounts = PodCounts()
    kubeconfig: Obj | None = None  # the ExternalSecret that materialises the kubeconfig Secret
    sub_apps: list[Obj] = field(default_factory=list)
    backup: Obj | None = None  # the etcd snapshot CronJob


def backup_health(tenant: Tenant, cronjob: Obj | None, now: datetime) -> Obj | None:
    """The last good snapshot and whether it is too old (counted from the CronJob's creation until the first
    success); None when the tenant has no backups."""
    if not tenant.backup_cronjob:
        return None
    if cronjob is None:
        return {"cronJob": tenant.backup_cronjob, "stale": True, "message": "the backup CronJob does not exist"}
    status = cronjob.get("status") or {}
    last = status.get("lastSuccessfulTime")
    since = last or cronjob["metadata"].get("creationTimestamp")
    age = seconds_since(since, now) if since else float("inf")
    health: Obj = {"cronJob": tenant.backup_cronjob, "lastSuccessfulTime": last, "since": since,
                   "lastScheduleTime": status.get("lastScheduleTime"), "stale": age > tenant.backup_max_age}
    if health["stale"]:
        health["message"] = ("no snapshot has succeeded yet" if not last else "the last good snapshot is older "
                             f"than {tenant.backup_max_age // 3600} h (twice the schedule's longest gap)")
    return health



def pod_counts(pods: list[Obj]) -> PodCounts:
    """Ready / total over the pods that should be running (finished Job pods do not count)."""
    live = [p for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    ready = [p for p in live if _condition_true(p, "Ready")]
    crashing = tuple(sorted(p["metadata"]["name"] for p in live if _crash_looping(p)))
    return PodCounts(ready=len(ready), total=len(live), crash_looping=crashing)


def _condition_true(obj: Obj, kind: str) -> bool:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def _crash_looping(pod: Obj) -> bool:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return any(((s.get("state") or {}).get("waiting") or {}).get("reason") == "CrashLoopBackOff" for s in statuses)


def kubeconfig_available(external_secret: Obj | None) -> tuple[bool, str, str]:
    """(available, reason, message) from the ExternalSecret's Ready condition, as External Secrets writes it."""
    if external_secret is None:
        return False, "ExternalSecretMissing", "the kubeconfig ExternalSecret does not exist"
    conditions = (external_secret.get("status") or {}).get("conditions") or []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    if ready and ready.get("status") == "True":
        return True, str(ready.get("reason") or "SecretSynced"), "kubeconfig Secret synced"
    reason = str((ready or {}).get("reason") or "NotSynced")
    return False, reason, str((ready or {}).get("message") or "the kubeconfig Secret has not been synced yet")


def destination_of(application: Obj) -> tuple[str, str]:
    destination = (application.get("spec") or {}).get("destination") or {}
    return str(destination.get("name") or ""), str(destination.get("server") or "")
