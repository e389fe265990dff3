"""The status reconciler's judgement, one rule at a time, on hand-made observations (no cluster)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vcluster_status import contract as c
from vcluster_status.assess import Timing, assess, merged_status
from vcluster_status.observation import Observation, PodCounts, tenant_of
from vcluster_status.reconcile import needs_write

T0 = datetime(2026, 11, 27, 10, 0, 0, tzinfo=UTC)
TIMING = Timing(startup_grace=900, failure_window=600)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def request(status: dict[str, Any] | None = None, **meta: Any) -> dict[str, Any]:
    pipeline = {"vcluster": {"name": "media", "namespace": "vcluster-media", "endpoint": "https://media:443"},
                "application": "vcluster-media", "applicationNamespace": "argocd",
                "credentials": {"kubeconfigSecret": "media-kubeconfig"},
                "conditions": [{"type": "Rendered", "status": "True", "reason": "ObjectsValid", "message": "ok",
                                "lastTransitionTime": iso(T0)}]}
    return {"metadata": {"name": "media", "namespace": "platform-requests", "creationTimestamp": iso(T0), **meta},
            "status": {**pipeline, **(status or {})}}


def app(sync: str = "Synced", health: str = "Healthy", operation: str = "") -> dict[str, Any]:
    status: dict[str, Any] = {"sync": {"status": sync}, "health": {"status": health}}
    if operation:
        status["operationState"] = {"phase": operation, "message": "one or more objects failed to apply"}
    return {"metadata": {"name": "vcluster-media"}, "status": status}


SYNCED_SECRET = {"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "SecretSynced"}]}}


def seen(application: dict[str, Any] | None = None, ready: int = 3, total: int = 3,
         kubeconfig: dict[str, Any] | None = SYNCED_SECRET, namespace: bool = True) -> Observation:
    return Observation(namespace_exists=namespace, application=application, pods=PodCounts(ready, total),
                       kubeconfig=kubeconfig)


def step(req: dict[str, Any], obs: Observation | None, when: datetime) -> dict[str, Any]:
    """One reconcile: the new full status, and the request carrying it for the next step."""
    status = merged_status(req["status"], assess(req, tenant_of(req), obs, when, TIMING))
    req["status"] = status
    return status


def conditions(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {x["type"]: x for x in status["conditions"]}


def test_scheduled_until_the_pipeline_has_written_the_tenant() -> None:
    bare = {"metadata": {"name": "x", "namespace": "p", "creationTimestamp": iso(T0)}}
    status = assess(bare, tenant_of(bare), None, at(1), TIMING)
    assert status["phase"] == c.SCHEDULED and "configure pipeline" in status["message"]


def test_scheduled_until_argocd_has_the_application_then_progressing() -> None:
    req = request()
    assert step(req, seen(None), at(1))["phase"] == c.SCHEDULED
    status = step(req, seen(app("OutOfSync", "Progressing"), ready=0, total=2), at(2))
    assert status["phase"] == c.PROGRESSING
    assert "ArgoCD OutOfSync/Progressing" in status["message"] and "0/2 pods ready" in status["message"]


def test_ready_needs_sync_health_every_pod_and_the_kubeconfig() -> None:
    req = request()
    assert step(req, seen(app(), kubeconfig=None), at(3))["phase"] == c.PROGRESSING
    assert step(req, seen(app(), ready=2), at(4))["phase"] == c.PROGRESSING
    status = step(req, seen(app()), at(5))
    assert status["phase"] == c.READY and status["firstReadyTime"] == iso(at(5))
    assert {k: v["status"] for k, v in conditions(status).items()} == {
        "Rendered": "True", "Ready": "True", "ArgoSynced": "True", "PodsReady": "True", "KubeconfigAvailable": "True"}
    assert status["health"]["workloads"] == {"ready": 3, "total": 3}


def test_degraded_when_a_ready_tenant_breaks_and_ready_again_when_it_heals() -> None:
    req = request()
    step(req, seen(app()), at(5))
    status = step(req, seen(app(), ready=2), at(6))
    assert status["phase"] == c.DEGRADED and "2/3 pods ready" in status["message"]
    assert conditions(status)["Ready"]["lastTransitionTime"] == iso(at(6))
    status = step(req, seen(app()), at(7))
    assert status["phase"] == c.READY and status["firstReadyTime"] == iso(at(5))


def test_degraded_when_nothing_is_ready_after_the_grace_period() -> None:
    req = request()
    assert step(req, seen(app("OutOfSync", "Missing"), ready=0, total=0), at(14))["phase"] == c.PROGRESSING
    status = step(req, seen(app("OutOfSync", "Missing"), ready=0, total=0), at(15))
    assert status["phase"] == c.DEGRADED and status["message"].startswith("nothing ready 15 min after creation")


@pytest.mark.parametrize(("application", "words"), [
    (app(operation="Failed"), "ArgoCD sync failed"),
    (app("Synced", "Degraded"), "Degraded"),
])
def test_failed_when_argocd_reports_a_failure(application: dict[str, Any], words: str) -> None:
    status = step(request(), seen(application), at(3))
    assert status["phase"] == c.FAILED and words in status["message"]


def test_failed_only_after_a_majority_of_pods_stays_down_for_the_window() -> None:
    req = request()
    step(req, seen(app()), at(1))
    status = step(req, seen(app(), ready=1, total=3), at(2))
    assert status["phase"] == c.DEGRADED and status["health"]["workloads"]["majorityDownSince"] == iso(at(2))
    assert step(req, seen(app(), ready=1, total=3), at(11.9))["phase"] == c.DEGRADED
    status = step(req, seen(app(), ready=1, total=3), at(12))
    assert status["phase"] == c.FAILED and "2/3 pods have been down for 10 min" in status["message"]
    status = step(req, seen(app()), at(13))
    assert status["phase"] == c.READY and "majorityDownSince" not in status["health"]["workloads"]


def test_half_the_pods_down_is_not_a_majority() -> None:
    req = request()
    step(req, seen(app(), ready=2, total=2), at(1))
    step(req, seen(app(), ready=1, total=2), at(2))
    status = step(req, seen(app(), ready=1, total=2), at(30))
    assert status["phase"] == c.DEGRADED


def test_failed_when_the_last_configure_run_failed_and_the_pipeline_conditions_survive() -> None:
    req = request()
    req["status"]["conditions"][0].update(status="False", reason="InvalidRequest", message="spec.x: bad")
    status = step(req, seen(app()), at(1))
    assert status["phase"] == c.FAILED and "spec.x: bad" in status["message"]
    assert conditions(status)["Rendered"]["status"] == "False"


def test_deleting_when_the_request_is_being_deleted_keeping_the_last_health() -> None:
    req = request()
    step(req, seen(app()), at(1))
    req["metadata"]["deletionTimestamp"] = iso(at(2))
    status = step(req, None, at(2))
    assert status["phase"] == c.DELETING and status["health"]["workloads"]["ready"] == 3
    assert conditions(status)["PodsReady"]["status"] == "True"


def test_unknown_names_what_is_missing() -> None:
    req = request()
    step(req, seen(app()), at(1))
    status = step(req, seen(None), at(2))
    assert status["phase"] == c.UNKNOWN and "Application argocd/vcluster-media is missing" in status["message"]
    status = step(req, seen(app(), namespace=False), at(3))
    assert status["phase"] == c.UNKNOWN and "namespace vcluster-media is missing" in status["message"]


def test_a_missing_application_after_the_grace_period_is_unknown_even_if_never_seen() -> None:
    assert step(request(), seen(None), at(16))["phase"] == c.UNKNOWN


def test_transition_times_move_only_when_a_condition_changes() -> None:
    req = request()
    first = conditions(step(req, seen(app()), at(1)))
    again = conditions(step(req, seen(app()), at(2)))
    assert {k: v["lastTransitionTime"] for k, v in again.items()} == \
        {k: v["lastTransitionTime"] for k, v in first.items()}


def test_the_reconciler_never_drops_a_field_of_the_pipeline() -> None:
    req = request({"objectCounts": {"Namespace": 1}, "endpoints": {"api": "https://media:443"},
                   "conditions": [{"type": "RequestValid", "status": "True", "reason": "Validated", "message": "",
                                   "lastTransitionTime": iso(T0)}]})
    before = {k: v for k, v in req["status"].items() if k != "conditions"}
    status = step(req, seen(app()), at(1))
    assert {k: status[k] for k in before} == before
    assert "RequestValid" in conditions(status)


def test_crash_looping_pods_are_named() -> None:
    obs = Observation(namespace_exists=True, application=app(), pods=PodCounts(1, 2, ("api-0",)),
                      kubeconfig=SYNCED_SECRET)
    status = step(request(), obs, at(1))
    assert "api-0 crash-looping" in status["message"]
    assert conditions(status)["PodsReady"]["reason"] == "CrashLoopBackOff"


def test_a_status_is_rewritten_only_on_change_or_heartbeat() -> None:
    old = {"phase": "Ready", "lastReconciled": iso(at(0))}
    assert not needs_write(old, {**old, "lastReconciled": iso(at(0.5))}, at(0.5), heartbeat=60)
    assert needs_write(old, {**old, "lastReconciled": iso(at(1))}, at(1), heartbeat=60)
    assert needs_write(old, {**old, "phase": "Degraded"}, at(0.1), heartbeat=60)


def pod(name: str, phase: str = "Running", ready: bool = True, waiting: str = "") -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase, "conditions": [{"type": "Ready", "status": str(ready)}]}
    if waiting:
        status["containerStatuses"] = [{"name": "c", "state": {"waiting": {"reason": waiting}}}]
    return {"metadata": {"name": name}, "status": status}


def test_pod_counts_leave_out_finished_job_pods() -> None:
    from vcluster_status.observation import pod_counts

    counts = pod_counts([pod("api-0"), pod("sync-job-x", "Succeeded", False), pod("old-job", "Failed", False),
                         pod("api-1", ready=False, waiting="CrashLoopBackOff"), pod("coredns", "Pending", False)])
    assert counts == PodCounts(ready=1, total=3, crash_looping=("api-1",))


@pytest.mark.parametrize(("external_secret", "expected"), [
    (None, (False, "ExternalSecretMissing")),
    ({"status": {}}, (False, "NotSynced")),
    ({"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "SecretSyncedError",
                                 "message": "item not found"}]}}, (False, "SecretSyncedError")),
    (SYNCED_SECRET, (True, "SecretSynced")),
])
def test_kubeconfig_availability_comes_from_the_external_secret(external_secret: Any,
                                                                  expected: tuple[bool, str]) -> None:
    from vcluster_status.observation import kubeconfig_available

    assert kubeconfig_available(external_secret)[:2] == expected


def test_the_applications_list_is_read_once_per_ttl() -> None:
    from vcluster_status.observe import ApplicationLists

    class Api:
        calls = 0

        def items(self, path: str, cached: bool = False) -> list[dict[str, Any]]:
            Api.calls += 1
            return [{"path": path}]

    now = [0.0]
    lists = ApplicationLists(Api(), ttl=2.0, clock=lambda: now[0])  # type: ignore[arg-type]
    assert lists("argocd") == [{"path": "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications"}]
    now[0] = 1.9
    lists("argocd")
    assert Api.calls == 1
    lists("other")
    now[0] = 2.0
    lists("argocd")
    assert Api.calls == 3
