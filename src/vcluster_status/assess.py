"""The live part of a request's status from one observation: pure, `(request, observation, now) → status`.

Phases (README "Live status"): Scheduled until ArgoCD has the Application; Progressing while it syncs and pods
start; Ready when ArgoCD is Synced and Healthy, every pod is ready and the kubeconfig is available; Degraded when
that breaks, or when nothing is ready `startup_grace` after creation; Failed when the last configure run failed,
ArgoCD reports a failed sync or a Degraded application, or more than half the pods of a tenant that was ready
have been down for `failure_window`; Deleting once the request is being deleted; Unknown when the Application
or the tenant namespace is missing after the tenant existed (or after the grace period).
Timers live in the status (`firstReadyTime`, `health.workloads.majorityDownSince`), so a restart loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from platform_common.clock import seconds_since, stamp

from . import contract as c
from .observation import Obj, Observation, Tenant, backup_health, kubeconfig_available


@dataclass(frozen=True)
class Timing:
    startup_grace: float = 900.0  # seconds after creation before "nothing is ready" is Degraded
    failure_window: float = 600.0  # seconds a majority of pods may be down before Failed


DEFAULT_TIMING = Timing()


@dataclass(frozen=True)
class Verdict:
    phase: str
    message: str


def argocd_state(application: Obj | None) -> dict[str, str]:
    status = (application or {}).get("status") or {}
    operation = status.get("operationState") or {}
    return {"syncStatus": str((status.get("sync") or {}).get("status") or "Unknown"),
            "healthStatus": str((status.get("health") or {}).get("status") or "Unknown"),
            "operationPhase": str(operation.get("phase") or ""),
            "message": str(operation.get("message") or (status.get("health") or {}).get("message") or "")}


def sub_app_health(sub_apps: list[Obj]) -> dict[str, Any]:
    unhealthy = sorted(a["metadata"]["name"] for a in sub_apps if argocd_state(a)["healthStatus"] != "Healthy")
    return {"healthy": len(sub_apps) - len(unhealthy), "total": len(sub_apps), "unhealthy": unhealthy}


def _missing(tenant: Tenant, obs: Observation, previous: Obj, age: float, timing: Timing) -> Verdict | None:
    """Scheduled / Progressing / Unknown while the Application or the namespace does not exist."""
    existed = bool(previous.get("firstReadyTime") or (previous.get("health") or {}).get("argocd"))
    early = age < timing.startup_grace and not previous.get("firstReadyTime")
    app = f"Application {tenant.application_namespace}/{tenant.application}"
    if obs.application is None:
        if early and not existed:
            return Verdict(c.SCHEDULED, f"waiting for ArgoCD to create {app}")
        return Verdict(c.UNKNOWN, f"{app} is missing: the tenant cannot be observed")
    if not obs.namespace_exists:
        if early:
            return Verdict(c.PROGRESSING, f"{app} exists; waiting for namespace {tenant.namespace}")
        return Verdict(c.UNKNOWN, f"tenant namespace {tenant.namespace} is missing")
    return None


def _problems(obs: Observation) -> list[str]:
    """What stands between this tenant and Ready, in the words a user would check."""
    argo, pods = argocd_state(obs.application), obs.pods
    kubeconfig_ok, _, kubeconfig_message = kubeconfig_available(obs.kubeconfig)
    problems = []
    if argo["syncStatus"] != "Synced" or argo["healthStatus"] != "Healthy":
        problems.append(f"ArgoCD {argo['syncStatus']}/{argo['healthStatus']}")
    if pods.total == 0 or pods.ready < pods.total:
        text = f"{pods.ready}/{pods.total} pods ready"
        problems.append(text + (f" ({', '.join(pods.crash_looping)} crash-looping)" if pods.crash_looping else ""))
    if not kubeconfig_ok:
        problems.append(f"kubeconfig: {kubeconfig_message}")
    return problems


def _failure(obs: Observation, majority_down_for: float, was_ready: bool, timing: Timing) -> str | None:
    argo, pods = argocd_state(obs.application), obs.pods
    if argo["operationPhase"] in ("Failed", "Error"):
        return f"ArgoCD sync failed: {argo['message'] or argo['operationPhase']}"
    if argo["healthStatus"] == "Degraded":
        return f"ArgoCD reports the Application Degraded: {argo['message'] or 'see the Application'}"
    if was_ready and majority_down_for >= timing.failure_window:
        return (f"{pods.total - pods.ready}/{pods.total} pods have been down for "
                f"{int(majority_down_for // 60)} min or more")
    return None


def majority_down_since(obs: Observation, previous: Obj, now: datetime) -> str | None:
    """When more than half the pods went down (kept from the previous status while it lasts)."""
    pods = obs.pods
    if pods.total == 0 or (pods.total - pods.ready) * 2 <= pods.total:
        return None
    before = ((previous.get("health") or {}).get("workloads") or {}).get("majorityDownSince")
    return str(before) if before else stamp(now)


def decide(tenant: Tenant, obs: Observation, previous: Obj, age: float, down_for: float,
           timing: Timing) -> Verdict:
    missing = _missing(tenant, obs, previous, age, timing)
    if missing:
        return missing
    was_ready = bool(previous.get("firstReadyTime"))
    failure = _failure(obs, down_for, was_ready, timing)
    if failure:
        return Verdict(c.FAILED, failure)
    problems = _problems(obs)
    if not problems:
        return Verdict(c.READY, f"vCluster {tenant.vcluster} is ready at {tenant.api_endpoint or 'its endpoint'} "
                                f"({obs.pods.ready}/{obs.pods.total} pods)")
    if was_ready:
        return Verdict(c.DEGRADED, "; ".join(problems))
    if age >= timing.startup_grace:
        return Verdict(c.DEGRADED, f"nothing ready {int(timing.startup_grace // 60)} min after creation: "
                                   + "; ".join(problems))
    return Verdict(c.PROGRESSING, "; ".join(problems))


def _before_observation(request: Obj, tenant: Tenant | None) -> Verdict | None:
    """Deleting, a failed configure run, or no tenant named yet: nothing live to look at."""
    status = request.get("status") or {}
    if request["metadata"].get("deletionTimestamp"):
        return Verdict(c.DELETING, "the request is being deleted: the delete pipeline removes the tenant")
    failure = c.configure_failure(status)
    if failure is not None:
        return Verdict(c.FAILED, f"the last configure run failed: {failure}")
    if tenant is None:
        return Verdict(c.SCHEDULED, "waiting for the configure pipeline to render the tenant")
    return None


def live_conditions(verdict: Verdict, obs: Observation | None, previous: list[Obj], now: str) -> list[Obj]:
    ready = c.condition(c.COND_READY, verdict.phase == c.READY, verdict.phase, verdict.message, now, previous)
    if obs is None:  # nothing observed: the other live conditions stay as they were
        return [ready, *(x for x in previous if x.get("type") in c.LIVE_CONDITIONS and x.get("type") != c.COND_READY)]
    argo = argocd_state(obs.application)
    synced = obs.application is not None and argo["syncStatus"] == "Synced"
    pods = obs.pods
    pods_ok = pods.total > 0 and pods.ready == pods.total
    pods_reason = ("AllReady" if pods_ok else "NoPods" if pods.total == 0 else
                   "CrashLoopBackOff" if pods.crash_looping else "NotReady")
    kube_ok, kube_reason, kube_message = kubeconfig_available(obs.kubeconfig)
    return [
        ready,
        c.condition(c.COND_ARGO, synced, argo["syncStatus"] if obs.application else "ApplicationMissing",
                    f"sync {argo['syncStatus']}, health {argo['healthStatus']}", now, previous),
        c.condition(c.COND_PODS, pods_ok, pods_reason, f"{pods.ready}/{pods.total} pods ready", now, previous),
        c.condition(c.COND_KUBECONFIG, kube_ok, kube_reason, kube_message, now, previous),
    ]


def health_of(obs: Observation, down_since: str | None, tenant: Tenant, now: datetime) -> Obj:
    workloads: Obj = {"ready": obs.pods.ready, "total": obs.pods.total}
    if obs.pods.crash_looping:
        workloads["crashLooping"] = list(obs.pods.crash_looping)
    if down_since:
        workloads["majorityDownSince"] = down_since
    argo = argocd_state(obs.application)
    health: Obj = {"argocd": {"syncStatus": argo["syncStatus"], "healthStatus": argo["healthStatus"]},
                   "workloads": workloads, "subApps": sub_app_health(obs.sub_apps)}
    backup = backup_health(tenant, obs.backup, now)
    if backup is not None:
        health["backup"] = backup
    return health


def assess(request: Obj, tenant: Tenant | None, obs: Observation | None, now: datetime,
           timing: Timing = DEFAULT_TIMING) -> Obj:
    """The live fields and live conditions of the status (the caller merges them with the pipeline's)."""
    previous: Obj = request.get("status") or {}
    verdict = _before_observation(request, tenant)
    live: Obj = {}
    if verdict is None and tenant is not None and obs is not None:
        down_since = majority_down_since(obs, previous, now)
        age = seconds_since(request["metadata"].get("creationTimestamp"), now)
        verdict = decide(tenant, obs, previous, age, seconds_since(down_since, now), timing)
        if obs.application is not None and obs.namespace_exists:
            live["health"] = health_of(obs, down_since, tenant, now)
    elif verdict is None:
        verdict = Verdict(c.UNKNOWN, "the tenant could not be observed")
    first_ready = previous.get("firstReadyTime") or (stamp(now) if verdict.phase == c.READY else None)
    live.update({"phase": verdict.phase, "message": verdict.message, "lastReconciled": stamp(now)})
    if first_ready:
        live["firstReadyTime"] = first_ready
    if "health" not in live and previous.get("health"):
        live["health"] = previous["health"]  # the last observation stands until there is a new one
    live["conditions"] = live_conditions(verdict, obs, previous.get("conditions") or [], stamp(now))
    return live


def merged_status(current: Obj, live: Obj) -> Obj:
    """The pipeline's part of `current` with the live part replaced; conditions merged by type."""
    static = c.static_part(current)
    conditions = static.pop("conditions") + live["conditions"]
    return {**static, **{k: v for k, v in live.items() if k != "conditions"}, "conditions": conditions}
