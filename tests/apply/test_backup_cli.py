"""`vcluster-platform backup list` and `backup restore` on the real API server. The test plays the kubelet
(the backup pod's termination message) and the Job controller (the restore Jobs' outcome); the restore Jobs
themselves are proven on real etcd in test_etcd_backup.py."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest

from testenv.tenants import crds
from vcluster_platform.cli import main
from vcluster_platform.models import settings_from_document
from vcluster_platform.models.platform import PlatformSettings
from vcluster_platform.pipeline.status import backup_status
from vcluster_platform.render import render_all
from vcluster_platform.render.backup import MEMBER_LABEL

API = "platform.integratn.tech/v1alpha1"
REQUESTS, NS, TENANT = "platform-requests", "vcluster-coffer", "coffer"
APP = "vcluster-coffer"
NEWEST, OLDER = f"{TENANT}-20261207T023000Z.db", f"{TENANT}-20261206T023000Z.db"
REQUEST = {"apiVersion": API, "kind": "VClusterOrchestratorV2",
           "metadata": {"name": TENANT, "namespace": REQUESTS},
           "spec": {"name": TENANT, "vcluster": {"preset": "prod"}, "argocdApplication": {"targetRevision": "0.31.1"}}}
AUTOMATED = {"prune": True, "selfHeal": True}


def patch_status(api: Any, path: str, status: dict[str, Any]) -> None:
    api.admin.request("PATCH", f"{path}/status", {"status": status}, content_type="application/merge-patch+json")


def statefulset(name: str, app: str) -> dict[str, Any]:
    labels = {"app": app, "release": TENANT}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name, "namespace": NS},
            "spec": {"replicas": 3, "serviceName": name, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/etcd:3.6.4-0"}]}}}}


@pytest.fixture(scope="module")
def tenant(kube_cluster: Any) -> Iterator[Any]:
    """The coffer tenant as the pipeline, ArgoCD and the kubelet leave it: status.backup, the Application with
    automated sync, both StatefulSets at 3, the backup CronJob and a finished backup pod."""
    api = kube_cluster
    api.install_crds(crds())
    for namespace in (REQUESTS, NS, "argocd"):
        api.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    settings = settings_from_document(REQUEST, PlatformSettings())
    objects = render_all(settings)
    api.admin.apply(REQUEST)
    request_path = f"/apis/{API}/namespaces/{REQUESTS}/vclusterorchestratorv2s/{TENANT}"
    patch_status(api, request_path, {"vcluster": {"name": TENANT, "namespace": NS}, "application": APP,
                                     "applicationNamespace": "argocd", "backup": backup_status(settings, objects)})
    api.admin.apply({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                     "metadata": {"name": APP, "namespace": "argocd"},
                     "spec": {"project": "default", "destination": {"server": "https://kubernetes.default.svc"},
                              "source": {"repoURL": "https://charts.loft.sh", "chart": "vcluster",
                                         "targetRevision": "0.31.1"},
                              "syncPolicy": {"automated": AUTOMATED}}})
    (cron,) = [o for o in objects if o["kind"] == "CronJob" and o["metadata"]["name"] == "coffer-etcd-backup"]
    api.admin.apply(cron)
    patch_status(api, f"/apis/batch/v1/namespaces/{NS}/cronjobs/coffer-etcd-backup",
                 {"lastSuccessfulTime": "2026-12-07T02:30:41Z"})
    (account,) = [o for o in objects if o["kind"] == "ServiceAccount" and o["metadata"]["name"] == "coffer-etcd-backup"]
    api.admin.apply(account)
    template = cron["spec"]["jobTemplate"]["spec"]["template"]
    api.admin.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "coffer-etcd-backup-29412345-x7k2p", "namespace": NS, "labels": template["metadata"]["labels"]},
        "spec": template["spec"]})  # the rendered backup pod, as its Job created it
    patch_status(api, f"/api/v1/namespaces/{NS}/pods/coffer-etcd-backup-29412345-x7k2p", {
        "phase": "Succeeded", "containerStatuses": [{
            "name": "store", "ready": False, "restartCount": 0, "image": "python:3.11", "imageID": "",
            "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                     "message": f"{NEWEST} 20512\n{OLDER} 20480\n"}}}]})
    yield api
    api.admin.delete(API, "VClusterOrchestratorV2", TENANT, REQUESTS)
    for name in (TENANT, f"{TENANT}-etcd"):  # no other test meets these StatefulSets
        api.admin.delete("apps/v1", "StatefulSet", name, NS)


@pytest.fixture
def world(tenant: Any) -> Any:
    """Both StatefulSets at 3, the automated sync on, no restore Job left."""
    for name, app in ((TENANT, "vcluster"), (f"{TENANT}-etcd", "vcluster-etcd")):
        tenant.admin.apply(statefulset(name, app))
    tenant.admin.request("PATCH", f"/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/{APP}",
                         {"metadata": {"annotations": None}, "spec": {"syncPolicy": {"automated": AUTOMATED}}},
                         content_type="application/merge-patch+json")
    for job in tenant.admin.list_objects("batch/v1", "Job", NS):
        tenant.admin.request("DELETE", f"/apis/batch/v1/namespaces/{NS}/jobs/{job['metadata']['name']}"
                                       "?propagationPolicy=Background")
    return tenant


def run(api: Any, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([*argv, "--kubeconfig", str(api.kubeconfig)])
    return code, out.getvalue(), err.getvalue()


def replicas(api: Any) -> tuple[int, int]:
    return tuple(api.admin.get("apps/v1", "StatefulSet", n, NS)["spec"]["replicas"]  # type: ignore[return-value]
                 for n in (TENANT, f"{TENANT}-etcd"))


def automated(api: Any) -> Any:
    return (api.admin.get("argoproj.io/v1alpha1", "Application", APP, "argocd")["spec"].get("syncPolicy")
            or {}).get("automated")


def test_list_shows_the_kept_snapshots_newest_first_and_the_last_success(tenant: Any) -> None:
    code, out, err = run(tenant, "backup", "list", TENANT)
    assert code == 0, err
    assert "persistentVolumeClaim coffer-etcd-backups" in out and "last success: 2026-12-07T02:30:41Z" in out
    assert out.index(NEWEST) < out.index(OLDER) and "2026-12-07 02:30 UTC" in out
    code, out, _ = run(tenant, "backup", "list", TENANT, "-o", "json")
    listed = json.loads(out)
    assert code == 0 and [s["name"] for s in listed["snapshots"]] == [NEWEST, OLDER]
    assert listed["backup"]["schedule"] == "30 2 * * *" and listed["backup"]["retention"] == 7


def test_without_yes_the_runbook_is_shown_and_nothing_changes(world: Any) -> None:
    code, out, err = run(world, "backup", "restore", TENANT, "--snapshot", NEWEST)
    assert code == 1 and "run again with --yes" in err
    assert "scale StatefulSet vcluster-coffer/coffer (control plane) and then vcluster-coffer/coffer-etcd to 0" in out
    assert out.count("restore member coffer-etcd-") == 3
    assert replicas(world) == (3, 3) and automated(world) == AUTOMATED
    assert world.admin.list_objects("batch/v1", "Job", NS) == []


@pytest.mark.parametrize(("snapshot", "words"), [
    ("other-20261207T023000Z.db", "is not one of coffer's snapshots"),
    ("coffer-latest.db", "is not one of coffer's snapshots"),
    (f"{TENANT}-20250101T023000Z.db", "is not among the kept snapshots"),
])
def test_a_snapshot_that_is_not_the_tenant_s_is_refused(world: Any, snapshot: str, words: str) -> None:
    code, _, err = run(world, "backup", "restore", TENANT, "--snapshot", snapshot, "--yes")
    assert code == 2 and words in err
    assert replicas(world) == (3, 3) and world.admin.list_objects("batch/v1", "Job", NS) == []


def test_yaml_prints_the_restore_jobs_and_changes_nothing(world: Any) -> None:
    import yaml

    code, out, _ = run(world, "backup", "restore", TENANT, "--snapshot", NEWEST, "-o", "yaml")
    jobs = list(yaml.safe_load_all(out))
    assert code == 0 and [j["metadata"]["labels"][MEMBER_LABEL] for j in jobs] == [
        f"{TENANT}-etcd-{i}" for i in range(3)]
    assert replicas(world) == (3, 3)


def finish_jobs(api: Any, outcome: str, seen: dict[str, Any]) -> None:
    """The Job controller: once the three Jobs exist, record the world and end them with `outcome`."""
    deadline = time.monotonic() + 30
    while len(jobs := api.admin.list_objects("batch/v1", "Job", NS)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    seen.update(replicas=replicas(api), automated=automated(api), jobs=jobs)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for i, job in enumerate(sorted(jobs, key=lambda j: j["metadata"]["name"])):
        ended = outcome if i == 0 else "Complete"
        first = "SuccessCriteriaMet" if ended == "Complete" else "FailureTarget"
        status = {"startTime": now, "conditions": [
            {"type": first, "status": "True", "lastTransitionTime": now},
            {"type": ended, "status": "True", "lastTransitionTime": now}]}
        status.update({"succeeded": 1, "completionTime": now} if ended == "Complete" else {"failed": 1})
        patch_status(api, f"/apis/batch/v1/namespaces/{NS}/jobs/{job['metadata']['name']}", status)


def restore_with(api: Any, outcome: str) -> tuple[tuple[int, str, str], dict[str, Any]]:
    seen: dict[str, Any] = {}
    controller = threading.Thread(target=finish_jobs, args=(api, outcome, seen))
    controller.start()
    result = run(api, "backup", "restore", TENANT, "--snapshot", NEWEST, "--yes", "--timeout", "60",
                 "--interval", "0.2")
    controller.join()
    return result, seen


def test_yes_stops_the_tenant_restores_every_member_and_starts_it_again(world: Any) -> None:
    (code, out, err), seen = restore_with(world, "Complete")
    assert code == 0, err
    assert seen["replicas"] == (0, 0) and seen["automated"] is None  # stopped and paused while the Jobs ran
    members = sorted(j["metadata"]["labels"][MEMBER_LABEL] for j in seen["jobs"])
    assert members == [f"{TENANT}-etcd-{i}" for i in range(3)]
    assert all(NEWEST in " ".join(j["spec"]["template"]["spec"]["initContainers"][0]["command"])
               for j in seen["jobs"])
    assert replicas(world) == (3, 3) and automated(world) == AUTOMATED
    assert "restored coffer from" in out


def test_a_failed_restore_job_stops_with_everything_still_stopped(world: Any) -> None:
    (code, _, err), seen = restore_with(world, "Failed")
    assert code == 1 and "did not complete" in err and "logs job/" in err
    assert seen["replicas"] == (0, 0)
    assert replicas(world) == (0, 0) and automated(world) is None
    annotations = world.admin.get("argoproj.io/v1alpha1", "Application", APP, "argocd")["metadata"]["annotations"]
    assert json.loads(annotations["platform.integratn.tech/restore-paused-sync"]) == AUTOMATED


def test_a_tenant_without_backups_is_told_so(world: Any) -> None:
    world.admin.apply({**REQUEST, "metadata": {"name": "nobackup", "namespace": REQUESTS},
                       "spec": {"name": "nobackup"}})
    try:
        code, _, err = run(world, "backup", "list", "nobackup")
        assert code == 2 and "has no backups" in err
    finally:
        world.admin.delete(API, "VClusterOrchestratorV2", "nobackup", REQUESTS)
