"""The status reconciler and `vcluster-platform status` on the real API server.

The test writes what the real controllers would (Kratix's status merge and Work, ArgoCD's Application status,
kubelet pod status, External Secrets' Ready condition); the reconciler runs as a process under its deploy RBAC.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import request
from testenv.prometheus import metric, scrape
from testenv.tenants import (
    API,
    KIND,
    KRATIX_FINALIZER,
    REQUESTS,
    create_work,
    kratix_writes_status,
    prepare,
    set_application,
    set_external_secret,
    set_pod,
    start_reconciler,
    tenant_namespace,
    tenant_up,
    transition_events,
    wait_events,
    wait_status,
)
from vcluster_platform import cli
from vcluster_status import contract as c

GRACE, WINDOW = 20.0, 3.0


class Reconciler:
    """The running reconciler process; `restart(kill=True)` is a SIGKILL and a fresh one."""

    def __init__(self, cluster: Any, work: Path, token: str) -> None:
        self.cluster, self.work, self.token, self.runs = cluster, work, token, 0
        self.process, self.port = self._start()

    def _start(self) -> Any:
        self.runs += 1
        return start_reconciler(self.cluster, self.work, self.token, name=f"reconciler-{self.runs}",
                                interval=1.0, grace=GRACE, window=WINDOW)

    def restart(self) -> None:
        self.process.process.kill()
        self.process.process.wait()
        self.process, self.port = self._start()

    def metrics(self) -> dict[Any, float]:
        return scrape(self.port)


@pytest.fixture(scope="module")
def reconciler(kube_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    token = prepare(kube_cluster)
    running = Reconciler(kube_cluster, tmp_path_factory.mktemp("status"), token)
    yield running
    running.process.stop()


def pipeline_status(cluster: Any, name: str, tmp_path: Path) -> dict[str, Any]:
    """status.yaml of the real configure pipeline, run on the request as Kratix passes it (status included)."""
    live = cluster.admin.get(API, KIND, name, REQUESTS)
    source, out = tmp_path / f"{name}.yaml", tmp_path / f"{name}-out"
    source.write_text(yaml.safe_dump({k: live[k] for k in ("apiVersion", "kind", "metadata", "spec", "status")
                                      if k in live}))
    assert cli.render_to(source, out) == 0
    loaded: dict[str, Any] = yaml.safe_load((out / "metadata" / "status.yaml").read_text())
    return loaded


def submit(cluster: Any, name: str, tmp_path: Path) -> dict[str, Any]:
    """A request as a user creates it (Kratix's delete finalizer on it), and the configure pipeline's status."""
    doc = request(name)
    doc["metadata"]["finalizers"] = [KRATIX_FINALIZER]
    cluster.admin.create(doc)
    return kratix_writes_status(cluster, name, pipeline_status(cluster, name, tmp_path))["status"]


def phase_is(phase: str) -> Any:
    return lambda s: s.get("phase") == phase and bool(s.get("lastReconciled"))


def conditions(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {x["type"]: x for x in status["conditions"]}


def test_a_tenant_walks_every_phase_and_a_restart_loses_and_repeats_nothing(
        kube_cluster: Any, reconciler: Reconciler, tmp_path: Path) -> None:
    cluster, name = kube_cluster, "walk"
    status = submit(cluster, name, tmp_path)
    wait = lambda check: wait_status(cluster, name, check, reconciler.process)  # noqa: E731
    status = wait(lambda s: phase_is(c.SCHEDULED)(s) and "waiting for ArgoCD" in s["message"])
    assert status["message"] == f"waiting for ArgoCD to create Application argocd/{status['application']}"

    create_work(cluster, name)
    namespace, vcluster = status["vcluster"]["namespace"], status["vcluster"]["name"]
    set_application(cluster, status["application"], vcluster, "OutOfSync", "Progressing")
    tenant_namespace(cluster, namespace)
    set_pod(cluster, namespace, "vcluster-0", ready=False)
    # Progressing throughout, the message following each object as it appears: the namespace, then the pod
    status = wait(lambda s: phase_is(c.PROGRESSING)(s) and "0/1 pods ready" in s["message"])
    assert status["message"].startswith("ArgoCD OutOfSync/Progressing; 0/1 pods ready; kubeconfig: ")

    tenant_up(cluster, status)
    set_application(cluster, "guestbook", vcluster, "Synced", "Degraded")  # an app deployed into the vCluster
    status = wait(lambda s: phase_is(c.READY)(s) and s["health"]["subApps"]["total"] == 1)
    assert {k: v["status"] for k, v in conditions(status).items()} == {
        "RequestValid": "True", "Rendered": "True", "ReferencesResolved": "True",
        "Ready": "True", "ArgoSynced": "True", "PodsReady": "True", "KubeconfigAvailable": "True"}
    assert status["health"] == {"argocd": {"syncStatus": "Synced", "healthStatus": "Healthy"},
                                "workloads": {"ready": 2, "total": 2},
                                "subApps": {"healthy": 0, "total": 1, "unhealthy": ["guestbook"]}}
    samples = reconciler.metrics()
    tenant = {"namespace": REQUESTS, "name": name}
    assert metric(samples, "vcluster_tenant_phase", **tenant, phase="Ready") == 1
    assert sum(metric(samples, "vcluster_tenant_phase", **tenant, phase=p) or 0 for p in c.PHASES) == 1
    assert metric(samples, "vcluster_tenant_ready", **tenant) == 1
    assert metric(samples, "vcluster_tenant_pods_ready", **tenant) == 2
    assert metric(samples, "vcluster_tenant_pods_total", **tenant) == 2
    assert (metric(samples, "vcluster_status_reconcile_duration_seconds_count") or 0) > 0
    assert metric(samples, "vcluster_status_phase_transitions_total", from_phase="Progressing",
                  to_phase="Ready") == 1

    # Kratix re-runs the configure pipeline: its write and the reconciler's both survive.
    again = pipeline_status(cluster, name, tmp_path)
    assert "phase" not in again and "message" not in again
    after_kratix = kratix_writes_status(cluster, name, {**again, "objectCounts": {"Marker": 1}})["status"]
    assert after_kratix["phase"] == c.READY and after_kratix["health"] == status["health"]
    set_application(cluster, "guestbook", vcluster, "Synced", "Healthy")  # the reconciler writes next
    status = wait(lambda s: s["health"]["subApps"]["healthy"] == 1)
    assert status["objectCounts"] == {"Marker": 1} and status["endpoints"] == again["endpoints"]
    assert status["phase"] == c.READY and "Rendered" in conditions(status)

    # SIGKILL and a new reconciler: nothing lost, nothing counted or announced twice.
    before, events = status, wait_events(cluster, name, 3)
    assert events == ["Scheduled", "Progressing", "Ready"]
    reconciler.restart()
    status = wait(lambda s: s["lastReconciled"] != before["lastReconciled"])
    assert status["phase"] == c.READY and status["firstReadyTime"] == before["firstReadyTime"]
    assert conditions(status)["Ready"]["lastTransitionTime"] == conditions(before)["Ready"]["lastTransitionTime"]
    first = status  # one more heartbeat: an Event the first reconcile would (wrongly) post has been posted by then
    wait(lambda s: s["lastReconciled"] != first["lastReconciled"])
    assert transition_events(cluster, name) == events
    assert not [k for k, v in reconciler.metrics().items() if k[0] == "vcluster_status_phase_transitions_total"
                and dict(k[1]).get("to_phase") == "Ready" and v]

    set_pod(cluster, namespace, "coredns-0", ready=False, crash=True)
    status = wait(phase_is(c.DEGRADED))
    assert "coredns-0 crash-looping" in status["message"]
    assert conditions(status)["PodsReady"]["reason"] == "CrashLoopBackOff"
    set_pod(cluster, namespace, "coredns-0", ready=True)
    status = wait(phase_is(c.READY))
    assert status["firstReadyTime"] == before["firstReadyTime"]

    for pod in ("vcluster-0", "coredns-0"):
        set_pod(cluster, namespace, pod, ready=False)
    status = wait(lambda s: "majorityDownSince" in s["health"]["workloads"])
    assert status["phase"] == c.DEGRADED
    status = wait(phase_is(c.FAILED))
    assert "2/2 pods have been down" in status["message"]
    assert metric(reconciler.metrics(), "vcluster_tenant_ready", **tenant) == 0

    cluster.admin.delete(API, KIND, name, REQUESTS)  # Kratix's finalizer holds it while its delete pipeline runs
    status = wait(phase_is(c.DELETING))
    assert wait_events(cluster, name, 8) == [
        "Scheduled", "Progressing", "Ready", "Degraded", "Ready", "Degraded", "Failed", "Deleting"]
    assert metric(reconciler.metrics(), "vcluster_tenant_phase", **tenant, phase="Deleting") == 1
    cluster.admin.request("PATCH", f"/apis/{API}/namespaces/{REQUESTS}/vclusterorchestratorv2s/{name}",
                          {"metadata": {"finalizers": None}}, content_type="application/merge-patch+json")
    deadline = time.monotonic() + 20
    while metric(reconciler.metrics(), "vcluster_tenant_ready", **tenant) is not None:
        assert time.monotonic() < deadline, "the deleted request's series stayed"
        time.sleep(0.2)


def run_cli(kube_cluster: Any, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(["status", *args, "--kubeconfig", str(kube_cluster.kubeconfig)])
    return code, capsys.readouterr().out


def first_broken(kube_cluster: Any, capsys: pytest.CaptureFixture[str], name: str) -> tuple[int, Any]:
    code, out = run_cli(kube_cluster, capsys, name, "--diagnose", "--output", "json")
    return code, json.loads(out)[f"{REQUESTS}/{name}"]["firstBroken"]


def test_status_and_diagnose_name_the_first_broken_link(kube_cluster: Any, reconciler: Reconciler,
                                                        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cluster, name = kube_cluster, "diag"
    status = submit(cluster, name, tmp_path)
    namespace, vcluster = status["vcluster"]["namespace"], status["vcluster"]["name"]
    assert first_broken(cluster, capsys, name) == (1, "Kratix Work")
    create_work(cluster, name)
    assert first_broken(cluster, capsys, name) == (1, "ArgoCD Application")
    code, out = run_cli(cluster, capsys, name, "--diagnose")
    assert f"Application argocd/{status['application']} does not exist" in out
    assert "first broken link: ArgoCD Application" in out and code == 1

    set_application(cluster, status["application"], vcluster, "OutOfSync", "Healthy")
    code, out = run_cli(cluster, capsys, name, "--diagnose")
    assert "BROKEN  ArgoCD Application" in out and "sync OutOfSync" in out and code == 1
    set_application(cluster, status["application"], vcluster, "Synced", "Healthy")
    assert first_broken(cluster, capsys, name) == (1, "pods")  # no namespace yet
    tenant_namespace(cluster, namespace)
    set_pod(cluster, namespace, "vcluster-0", ready=True)
    set_pod(cluster, namespace, "coredns-0", ready=False, crash=True)
    code, out = run_cli(cluster, capsys, name, "--diagnose")
    assert "crash-looping: coredns-0" in out and "first broken link: pods" in out
    set_pod(cluster, namespace, "coredns-0", ready=True)
    code, out = run_cli(cluster, capsys, name, "--diagnose")
    assert "first broken link: kubeconfig" in out and "ExternalSecretMissing" in out
    set_external_secret(cluster, namespace, status["credentials"]["kubeconfigSecret"], synced=False)
    assert first_broken(cluster, capsys, name) == (1, "kubeconfig")
    set_external_secret(cluster, namespace, status["credentials"]["kubeconfigSecret"], synced=True)
    code, out = run_cli(cluster, capsys, name, "--diagnose")
    assert code == 0 and "every link holds" in out

    wait_status(cluster, name, phase_is(c.READY), reconciler.process)
    code, out = run_cli(cluster, capsys, name)
    assert code == 0
    assert out.splitlines()[0] == f"{vcluster} ({REQUESTS}/{name})  Ready"
    assert f"  api:         {status['endpoints']['api']}" in out and "  pods:        2/2 ready" in out
    assert "stale" not in out
    code, out = run_cli(cluster, capsys, "-n", REQUESTS)
    header, *rows = out.splitlines()
    assert header.split() == ["NAMESPACE", "NAME", "PHASE", "PODS", "ARGOCD", "API", "RECONCILED"]
    assert [r.split()[:4] for r in rows if r.split()[1] == name] == [[REQUESTS, name, "Ready", "2/2"]]
    code, out = run_cli(cluster, capsys, name, "--output", "json")
    assert json.loads(out)[0]["status"]["phase"] == "Ready"


def test_status_refuses_what_it_cannot_show(kube_cluster: Any, reconciler: Reconciler,
                                            capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["status", "nope", "--kubeconfig", str(kube_cluster.kubeconfig)]) == 2
    assert f"no VClusterOrchestratorV2 {REQUESTS}/nope" in capsys.readouterr().err
    bad = tmp_path / "kubeconfig"
    bad.write_text(kube_cluster.kubeconfig.read_text().replace(str(kube_cluster.port), "1"))
    assert cli.main(["status", "--kubeconfig", str(bad)]) == 2
    assert capsys.readouterr().err.startswith("cannot read the cluster: ")


def test_a_stale_status_says_so_and_points_to_diagnose(kube_cluster: Any, reconciler: Reconciler,
                                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "stale"
    submit(kube_cluster, name, tmp_path)
    wait_status(kube_cluster, name, phase_is(c.SCHEDULED), reconciler.process)
    reconciler.process.process.kill()  # down first: a running reconciler would rewrite lastReconciled at once
    reconciler.process.process.wait()
    kratix_writes_status(kube_cluster, name, {"lastReconciled": "2026-01-01T00:00:00Z"})
    try:
        code, out = run_cli(kube_cluster, capsys, name)
        assert code == 0 and "the live status is missing or stale; run with --diagnose" in out
    finally:
        reconciler.process, reconciler.port = reconciler._start()


def test_watch_prints_again_when_the_status_changes(kube_cluster: Any, reconciler: Reconciler,
                                                    tmp_path: Path) -> None:
    name = "watched"
    status = submit(kube_cluster, name, tmp_path)
    wait_status(kube_cluster, name, phase_is(c.SCHEDULED), reconciler.process)
    command = [str(Path(sys.executable).parent / "vcluster-platform"), "status", name, "--watch", "--interval",
               "0.2", "--kubeconfig", str(kube_cluster.kubeconfig)]
    watcher = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in watcher.stdout or []], daemon=True).start()

    def next_header(timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            if line.startswith(f"{status['vcluster']['name']} ("):
                return line.rstrip()
        raise AssertionError("no new block")

    try:
        assert next_header().endswith("Scheduled")
        tenant_up(kube_cluster, {**status, **wait_status(kube_cluster, name, lambda s: True)})
        headers = [next_header()]
        while not headers[-1].endswith("Ready"):
            headers.append(next_header())
        assert headers[-1] == f"{status['vcluster']['name']} ({REQUESTS}/{name})  Ready"
    finally:
        watcher.terminate()
        watcher.wait(timeout=10)
