"""The migration controller as a real process against a real kube-apiserver and two vCenter simulators."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import SHARED
from testenv.kube import ApiError
from testenv.migration import (
    API,
    KIND,
    approve,
    delete_migrations,
    get_migration,
    prepare_target,
    start_controller,
    status,
    vsphere_session,
    wait_for,
)
from testenv.openshift import INFRA_ID, MIGRATION_NAMESPACE, WORKER_SETS, migration, openshift_crds, seed
from testenv.processes import free_port
from testenv.prometheus import metric, scrape
from vsphere_migration.api.crd import migration_crd

FIRST_SEVEN = ["Preflight", "Backup", "DisableCVO", "UpdateSecrets", "CreateTags", "CreateFolder",
               "UpdateInfrastructure"]


@pytest.fixture(scope="module")
def bed(kube_cluster: Any, vcsim_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Source and target vCenters, the seeded cluster and a running controller."""
    source = vcsim_factory("source", host="127.0.0.11")
    target = vcsim_factory("target", host="127.0.0.12")
    prepare_target(target)
    kube_cluster.install_crds([*openshift_crds(SHARED), migration_crd()])
    seed(kube_cluster, source, target)
    port = free_port()
    controller = start_controller(tmp_path_factory.mktemp("controller"), kube_cluster.kubeconfig,
                                  extra_env={"MIGRATION_METRICS_PORT": str(port)})

    class Bed:
        cluster, src, tgt, process, metrics_port = kube_cluster, source, target, controller, port

    try:
        yield Bed
    finally:
        Bed.process.stop()  # a test may have replaced the first process
        delete_migrations(kube_cluster)


def _fresh(bed: Any, name: str, **kwargs: Any) -> None:
    delete_migrations(bed.cluster)
    seed(bed.cluster, bed.src, bed.tgt)
    bed.cluster.admin.create(migration(bed.tgt, name, **kwargs))


def _secret_data(bed: Any, namespace: str, name: str) -> dict[str, str]:
    data = bed.cluster.admin.get("v1", "Secret", name, namespace)["data"]
    return {k: base64.b64decode(v).decode() for k, v in data.items()}


def test_manual_mode_runs_each_phase_only_when_it_is_approved(bed: Any) -> None:
    cluster, name = bed.cluster, "manual"
    _fresh(bed, name)
    waiting = wait_for(cluster, name, lambda o: status(o).get("phase") == "WaitingForApproval",
                       controller=bed.process)
    assert status(waiting)["currentPhase"] == "Preflight"
    assert not status(waiting).get("phaseHistory")  # nothing ran unapproved

    with pytest.raises(ApiError) as refused:  # approving a later phase: the API server refuses it
        approve(cluster, name, ["Backup"])
    assert refused.value.code == 422 and "spec.approvals" in refused.value.message
    with pytest.raises(ApiError) as refused:  # so does a new migration that approves ahead
        cluster.admin.create(migration(bed.tgt, "ahead", approvals=["Preflight", "Backup"]))
    assert refused.value.code == 422 and "may approve only Preflight" in refused.value.message

    approved: list[str] = []
    for phase in FIRST_SEVEN:
        current = get_migration(cluster, name)
        assert status(current)["currentPhase"] == phase
        assert phase not in status(current).get("completedPhases", [])
        approved.append(phase)
        approve(cluster, name, approved)
        after = wait_for(cluster, name, lambda o, p=phase: p in status(o).get("completedPhases", []),
                         controller=bed.process)
        record = next(r for r in status(after)["phaseHistory"] if r["name"] == phase)
        assert record["result"] == "Succeeded", record
    final = wait_for(cluster, name, lambda o: status(o).get("currentPhase") == "UpdateConfig"
                     and status(o).get("phase") == "WaitingForApproval", controller=bed.process)
    assert status(final)["completedPhases"] == FIRST_SEVEN
    assert status(final)["progress"] == round(100 * 7 / 15)
    _check_effects_of_phases_1_to_7(bed, final)
    _check_metrics(bed, name, final)


def _check_metrics(bed: Any, name: str, obj: dict[str, Any]) -> None:
    """/metrics as Prometheus scrapes it: the overall phase, progress, durations and vSphere calls."""
    samples = scrape(bed.metrics_port)
    migration_labels = {"namespace": MIGRATION_NAMESPACE, "name": name}
    assert metric(samples, "vsphere_migration_phase", **migration_labels, phase="WaitingForApproval") == 1
    assert metric(samples, "vsphere_migration_phase", **migration_labels, phase="Running") == 0
    assert metric(samples, "vsphere_migration_progress_percent", **migration_labels) == status(obj)["progress"]
    for phase in FIRST_SEVEN:
        assert metric(samples, "vsphere_migration_phase_duration_seconds_count", phase=phase,
                      result="Succeeded") == 1, phase
    calls = {(dict(labels)["method"], dict(labels)["outcome"]): value for (sample, labels), value in samples.items()
             if sample == "vsphere_migration_vsphere_calls_total"}
    assert calls[("vim.Folder.CreateFolder", "ok")] == 1
    assert calls[("POST /rest/com/vmware/cis/tagging/tag", "ok")] == 3  # region, zone and the cluster's ownership
    # every call a phase made, plus the session log-outs after each step (not part of a phase)
    assert sum(calls.values()) >= sum(r["vsphereCalls"] for r in status(obj)["phaseHistory"])
    assert not [key for key in calls if key[1] == "error"]
    assert all("urn:" not in method for method, _ in calls)  # REST object IDs never become labels


def _check_effects_of_phases_1_to_7(bed: Any, obj: dict[str, Any]) -> None:
    admin, src, tgt = bed.cluster.admin, bed.src, bed.tgt
    st = status(obj)
    # Backup: every object, MachineSets with their real replicas, the CPMS; credentials only in the owned Secret
    backed = {(b["kind"], b["name"]) for b in st["backups"]}
    assert {("Infrastructure", "cluster"), ("ConfigMap", "cloud-provider-config"), ("Secret", "vsphere-creds"),
            ("ControlPlaneMachineSet", "cluster")} | {("MachineSet", n) for n in WORKER_SETS} <= backed
    backup_cm = admin.get("v1", "ConfigMap", f"{obj['metadata']['name']}-backup", MIGRATION_NAMESPACE)
    for ms_name, replicas in WORKER_SETS.items():
        import yaml

        stored = yaml.safe_load(backup_cm["data"][f"machineset.openshift-machine-api.{ms_name}.yaml"])
        assert stored["spec"]["replicas"] == replicas
    assert backup_cm["metadata"]["ownerReferences"][0]["uid"] == obj["metadata"]["uid"]
    creds_record = next(b for b in st["backups"] if b["kind"] == "Secret")
    assert creds_record["storedIn"].startswith("Secret/") and "sha256" not in creds_record
    text = json.dumps(obj)
    for secret in (src.password, tgt.password):
        assert secret not in text
    # DisableCVO
    cvo = admin.get("apps/v1", "Deployment", "cluster-version-operator", "openshift-cluster-version")
    assert cvo["spec"]["replicas"] == 0 and st["recorded"]["cvoReplicas"] == 1
    # UpdateSecrets
    creds = _secret_data(bed, "kube-system", "vsphere-creds")
    assert creds[f"{tgt.host}.username"] == tgt.username and creds[f"{tgt.host}.password"] == tgt.password
    assert creds[f"{src.host}.password"] == src.password
    # CreateTags + CreateFolder, seen on the target vCenter itself
    si = vsphere_session(tgt)
    try:
        folder = si.content.searchIndex.FindByInventoryPath(f"/DC0/vm/{INFRA_ID}")
        assert folder is not None
    finally:
        si.content.sessionManager.Logout()
    created = st["recorded"]["createdTags"]
    # region, zone and ownership tags; region and zone attachments (CreateFolder attaches the ownership tag)
    assert len(created["tags"]) == 3 and len(created["attachments"]) == 2
    # UpdateInfrastructure: target added (source kept until Cleanup), with its failure domain
    infra = admin.get("config.openshift.io/v1", "Infrastructure", "cluster")
    vcenters = [v["server"] for v in infra["spec"]["platformSpec"]["vsphere"]["vcenters"]]
    assert vcenters == [src.host, tgt.host]
    domains = {d["name"]: d for d in infra["spec"]["platformSpec"]["vsphere"]["failureDomains"]}
    assert domains["target-fd-a"]["server"] == tgt.host
    assert domains["target-fd-a"]["topology"]["folder"] == f"/DC0/vm/{INFRA_ID}"


def test_a_migration_with_a_phase_running_is_not_deleted_until_paused(bed: Any) -> None:
    cluster, name = bed.cluster, "guarded"
    _fresh(bed, name, mode="Automatic", rollbackOnFailure=False)
    wait_for(cluster, name, lambda o: status(o).get("phase") == "Running"
             and status(o).get("currentPhase") == "CreateWorkers", controller=bed.process)  # no Machine API here
    cluster.admin.delete(API, KIND, name, MIGRATION_NAMESPACE)
    refused = _wait_event(cluster, name, "set spec.state to Paused")
    assert "CreateWorkers is running: deleting now would remove the backups a rollback needs" in refused
    still = get_migration(cluster, name)
    assert still["metadata"].get("deletionTimestamp") and cluster.admin.get("v1", "ConfigMap", f"{name}-backup",
                                                                          MIGRATION_NAMESPACE)
    cluster.admin.request("PATCH", cluster.admin.path(API, KIND, name, MIGRATION_NAMESPACE),
                          {"spec": {"state": "Paused"}}, content_type="application/merge-patch+json")
    deadline = time.monotonic() + 60
    while any(m["metadata"]["name"] == name for m in cluster.admin.list_objects(API, KIND, MIGRATION_NAMESPACE)):
        assert time.monotonic() < deadline, "the paused migration was not deleted"
        time.sleep(0.5)
    # its series go with it (they would otherwise report a phase until the controller restarts)
    assert not [labels for (sample, labels) in scrape(bed.metrics_port) if sample in (
        "vsphere_migration_phase", "vsphere_migration_progress_percent") and dict(labels).get("name") == name]


def _wait_event(cluster: Any, name: str, words: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in cluster.admin.list_objects("v1", "Event", MIGRATION_NAMESPACE):
            if event["involvedObject"]["name"] == name and words in event.get("message", ""):
                return str(event["message"])
        time.sleep(0.5)
    seen = [e.get("message") for e in cluster.admin.list_objects("v1", "Event", MIGRATION_NAMESPACE)
            if e["involvedObject"]["name"] == name]
    raise AssertionError(f"no event saying {words!r}; events: {seen}")


def test_a_replica_waiting_for_the_lease_answers_its_probes_and_reconciles_nothing(bed: Any, tmp_path: Any) -> None:
    """Another replica holds the Lease (renewed by the test): the waiting one serves /healthz and /metrics and
    leaves a new migration alone; once the holder releases the Lease it takes over and reconciles."""

    from kubernetes import client as k8s

    from platform_common.kube import api_client
    from platform_common.leader import LeaseElector

    bed.process.stop()  # the module's controller reconciles without election: not while this test runs
    holder = LeaseElector(k8s.CoordinationV1Api(api_client(str(bed.cluster.kubeconfig))), "default",
                          "vsphere-migration-controller", "the-other-replica", duration=3.0, renew_deadline=2.0,
                          retry=0.5)
    assert holder.try_acquire_or_renew()
    holder.keep(lambda: None)
    health, metrics_port = free_port(), free_port()
    waiting = start_controller(tmp_path, bed.cluster.kubeconfig, name="waiting", extra_args=[
        "--leader-elect", "--lease-namespace", "default", "--liveness", f"http://127.0.0.1:{health}/healthz"],
        extra_env={"MIGRATION_METRICS_PORT": str(metrics_port), "LEADER_ELECTION_LEASE_SECONDS": "3"})
    try:
        _fresh(bed, "waits", mode="Automatic", rollbackOnFailure=False)
        waiting.wait_until(lambda: _answers(f"http://127.0.0.1:{health}/healthz"), timeout=60)
        assert not [s for s in scrape(metrics_port) if s[0] == "vsphere_migration_phase"]
        waiting.wait_until(lambda: "waiting to lead" in waiting.log_tail(50), timeout=30)
        renewals = _renewals(bed, count=3)  # the holder renewed three more times: the waiting one kept polling
        assert len(renewals) == 3
        assert not status(get_migration(bed.cluster, "waits")).get("phase")  # untouched while another leads
        holder.release()
        wait_for(bed.cluster, "waits", lambda o: bool(status(o).get("completedPhases")), controller=waiting)
    finally:
        holder.release()
        waiting.stop()
        bed.process = start_controller(tmp_path / "again", bed.cluster.kubeconfig,
                                       extra_env={"MIGRATION_METRICS_PORT": str(bed.metrics_port)})


def _renewals(bed: Any, count: int) -> list[str]:
    """The next `count` renewTimes of the Lease, each different from the one before (waits for them)."""
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while len(seen) <= count and time.monotonic() < deadline:
        renewed = bed.cluster.admin.get("coordination.k8s.io/v1", "Lease", "vsphere-migration-controller",
                                        "default")["spec"]["renewTime"]
        if not seen or renewed != seen[-1]:
            seen.append(renewed)
        time.sleep(0.1)
    return seen[1:]


def _answers(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a loopback test URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
