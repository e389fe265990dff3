"""End to end: the controller process (with the deploy RBAC) migrates a simulated cluster between two vCenters."""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import SHARED
from platform_common.operator import LOST_LEADERSHIP_EXIT
from testenv.e2e import MS_API, Bed, install_rbac, start_bed
from testenv.killable import EXECUTIONS, KILLED_EXIT, PLAN
from testenv.kube import ApiError
from testenv.migration import approve, get_migration, set_state, start_controller, status, wait_for
from testenv.openshift import (
    INFRA_ID,
    WORKER_SETS,
    make_cpms_inactive,
    migration,
    openshift_crds,
)
from testenv.processes import ServerProcess
from testenv.simulator import SET_LABEL
from vsphere_migration.api.crd import migration_crd
from vsphere_migration.api.models import PHASES

DONE = ("Succeeded", "Failed", "RolledBack")


@pytest.fixture(scope="module")
def bed(kube_cluster: Any, vcsim_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bed]:
    source = vcsim_factory("e2e-source", host="127.0.0.41", hosts=2)
    target = vcsim_factory("e2e-target", host="127.0.0.42", hosts=2)
    kube_cluster.install_crds([*openshift_crds(SHARED), migration_crd()])
    test_bed = start_bed(kube_cluster, source, target, tmp_path_factory.mktemp("e2e"))
    test_bed.start_controller()
    try:
        yield test_bed
    finally:
        test_bed.stop_controller()
        test_bed.simulator.stop()
        test_bed.clear_faults()


def create(bed: Bed, name: str, **spec: Any) -> None:
    bed.cluster.admin.create(migration(bed.target, name, **spec))


def approve_until(bed: Bed, name: str, last: str | None) -> dict[str, Any]:
    """Manual mode: approve each phase when it waits, up to and including `last` (None: all)."""
    approved: list[str] = []
    while True:
        obj = bed.wait(name, lambda o: status(o).get("phase") in DONE or (
            status(o).get("phase") == "WaitingForApproval" and status(o).get("currentPhase") not in approved))
        st = status(obj)
        if st["phase"] in DONE:
            return obj
        phase = st["currentPhase"]
        approved.append(phase)
        approve(bed.cluster, name, approved)
        if phase == last:
            return obj


def test_automatic_migration_moves_everything_to_the_target(bed: Bed) -> None:
    bed.reset()
    pods_before = bed.simulator.pod_uids()
    create(bed, "auto-e2e", mode="Automatic")
    obj = bed.wait("auto-e2e", lambda o: status(o).get("phase") in DONE, timeout=300)
    assert status(obj)["phase"] == "Succeeded", status(obj)["message"]
    assert status(obj)["completedPhases"] == [p.value for p in PHASES]
    assert bed.references_only_target() == []
    bed.settled(bed.target.host)
    assert len(json.dumps(obj["status"])) < 64 * 1024  # bounded: backups live in owned objects, calls are capped
    assert len(status(obj)["recentCalls"]) <= 20
    pods_after = bed.simulator.pod_uids()
    assert len(pods_before) == 9 and sorted(pods_after) == sorted(pods_before)
    assert [pod for pod, uid in pods_before.items() if pods_after[pod] == uid] == [], "not restarted"
    restart = next(r for r in status(obj)["phaseHistory"] if r["name"] == "RestartPods")
    assert restart["message"] == "9 vSphere pod(s) restarted and Ready again"
    assert_installer_metadata(bed, "auto-e2e")


def assert_installer_metadata(bed: Bed, name: str) -> None:
    """The installer's metadata.json for the target, in a Secret that outlives the migration."""
    [secret] = bed.metadata_secrets()
    assert secret["metadata"]["name"] == f"{name}-metadata" and "ownerReferences" not in secret["metadata"]
    content = json.loads(base64.b64decode(secret["data"]["metadata.json"]))
    login = {"vCenter": bed.target.host, "username": bed.target.username, "password": bed.target.password}
    assert content == {"clusterName": "ocp", "clusterID": "5c2bd1b4-0a9e-4a8b-9d4e-1f0c2d3e4f50",
                       "infraID": INFRA_ID, "vsphere": {**login, "terraform_platform": "vsphere", "VCenters": [login]}}


def test_manual_migration_with_every_approval(bed: Bed) -> None:
    bed.reset()
    create(bed, "manual-e2e")
    approve_until(bed, "manual-e2e", None)
    obj = bed.wait("manual-e2e", lambda o: status(o).get("phase") in DONE, timeout=300)
    assert status(obj)["phase"] == "Succeeded", status(obj)["message"]
    assert bed.references_only_target() == []


# phase → how to make it fail: a vSphere fault on the target vCenter (next call of that SOAP method), an API
# fault (an admission policy refusing the controller's request), or a Degraded operator for MonitorHealth.
FAULTS: dict[str, tuple[Any, ...]] = {
    "Preflight": ("vsphere", "FindByInventoryPath"),
    "Backup": ("api", "CREATE", "", "configmaps"),
    "DisableCVO": ("api", "UPDATE", "apps", "deployments/scale"),
    "UpdateSecrets": ("api", "UPDATE", "", "secrets", "vsphere-creds"),
    "CreateTags": ("vsphere", "FindByInventoryPath"),
    "CreateFolder": ("vsphere", "FindByInventoryPath"),  # the folder may exist from an earlier migration
    "UpdateInfrastructure": ("api", "UPDATE", "config.openshift.io", "infrastructures"),
    "UpdateConfig": ("api", "UPDATE", "", "configmaps", "cloud-provider-config"),
    "RestartPods": ("api", "DELETE", "", "pods"),
    "MonitorHealth": ("degraded", "storage"),
    "CreateWorkers": ("api", "CREATE", "machine.openshift.io", "machinesets"),
    "RecreateCPMS": ("api", "UPDATE", "machine.openshift.io", "controlplanemachinesets"),
    "ScaleOld": ("api", "UPDATE", "machine.openshift.io", "machinesets"),
    "Cleanup": ("api", "UPDATE", "config.openshift.io", "infrastructures"),
    "Verify": ("vsphere", "FindByUuid"),
}


def test_the_fault_matrix_covers_exactly_the_fifteen_phases() -> None:
    assert list(FAULTS) == [p.value for p in PHASES]


def cause(fault: tuple[Any, ...]) -> str:
    """What the failed phase's message must name for each kind of fault."""
    if fault[0] == "vsphere":
        return "injected vSphere fault"
    if fault[0] == "api":
        return f"injected fault: {fault[1]} {fault[3]} refused"
    return f"{fault[1]} is Degraded"


def inject(bed: Bed, fault: tuple[Any, ...]) -> None:
    if fault[0] == "vsphere":
        bed.target.fail_next(fault[1], 1, "injected vSphere fault")
    elif fault[0] == "api":
        bed.deny(*fault[1:])
    else:
        bed.simulator.degrade(fault[1])
        deadline = time.monotonic() + 30  # approve only once the operator really reports Degraded
        while not any(c["type"] == "Degraded" and c["status"] == "True" for c in bed.cluster.admin.get(
                "config.openshift.io/v1", "ClusterOperator", fault[1]).get("status", {}).get("conditions", [])):
            assert time.monotonic() < deadline, "the simulator did not degrade the operator"
            time.sleep(0.1)


@pytest.mark.parametrize("phase", list(FAULTS))
def test_a_fault_in_each_phase_rolls_back_to_the_backups(bed: Bed, phase: str) -> None:
    bed.reset()
    before = bed.configuration()
    name = f"fault-{phase.lower()}"
    create(bed, name, phaseTimeouts={"MonitorHealth": "6s"})
    previous = PHASES[[p.value for p in PHASES].index(phase) - 1].value if phase != "Preflight" else None
    if previous:
        approve_until(bed, name, previous)
    bed.wait(name, lambda o: status(o).get("currentPhase") == phase and status(o).get("phase") ==
             "WaitingForApproval")
    inject(bed, FAULTS[phase])
    approve(bed.cluster, name, [p.value for p in PHASES[: [p.value for p in PHASES].index(phase) + 1]])
    failed = bed.wait(name, lambda o: status(o).get("phase") in ("RollingBack", *DONE), timeout=120)
    bed.clear_faults()  # the rollback retries what the fault still blocks
    failed_record = [r for r in status(failed)["phaseHistory"] if r["result"] == "Failed"]
    assert [r["name"] for r in failed_record] == [phase], status(failed)["message"]
    assert cause(FAULTS[phase]) in failed_record[0]["message"], failed_record[0]["message"]
    obj = bed.wait(name, lambda o: status(o).get("phase") in ("RolledBack", "Failed", "Succeeded"), timeout=300)
    assert status(obj)["phase"] == "RolledBack", status(obj)["message"]
    assert bed.configuration() == before
    bed.settled(bed.source.host)


def run_through_kill_points(bed: Bed, name: str, plan: list[str], finished: Any,
                            timeout: float = 600) -> tuple[dict[str, Any], list[str]]:
    """Drive the migration with a controller (testenv.killable) that exits at each kill point of the plan (once
    each), starting a new one every time one exits; returns the final object and the points that fired."""
    plan_file = bed.work / f"kill-plan-{name}"
    plan_file.write_text("".join(f"{point}\n" for point in plan))
    fired_file = Path(f"{plan_file}.fired")
    fired_file.unlink(missing_ok=True)
    env = {PLAN: str(plan_file)}
    bed.start_controller(f"controller-{name}-0", extra_env=env, killable=True)
    deadline = time.monotonic() + timeout
    try:
        while True:
            obj = get_migration(bed.cluster, name)
            if finished(obj):
                break
            controller = bed.controller
            assert controller is not None
            if controller.process.poll() is not None:
                assert controller.process.returncode == KILLED_EXIT, controller.log_tail(40)
                restarts = len(fired_file.read_text().splitlines())
                bed.start_controller(f"controller-{name}-{restarts}", extra_env=env, killable=True)
            assert time.monotonic() < deadline, f"timed out at {status(obj)}"
            time.sleep(0.1)
    finally:
        bed.start_controller()  # the plain controller for the next test
    return obj, fired_file.read_text().splitlines() if fired_file.exists() else []


# A deterministic sample of the unit tier's kill matrix (tests/unit/test_kill_matrix.py), on the real servers:
# the controller dies right after the first write it makes inside each phase that writes (MonitorHealth only
# reads), between the side effect and the status that records it.
WRITING = [p.value for p in PHASES if p.value != "MonitorHealth"]
# The rollback steps that write (the others have nothing to undo), in rollback order.
ROLLBACK_WRITING = ["Cleanup", "ScaleOld", "RecreateCPMS", "CreateWorkers", "UpdateConfig", "UpdateInfrastructure",
                    "CreateFolder", "CreateTags", "UpdateSecrets", "DisableCVO"]


def test_a_kill_inside_every_phase_resumes_to_a_complete_migration(bed: Bed) -> None:
    """Automatic mode; every resume ends in one complete migration: each phase once, only the target."""
    bed.reset()
    name = "kill-inside"
    plan = [f"execute {phase} 1" for phase in WRITING]
    bed.stop_controller()  # every step from the first on runs under the kill plan
    create(bed, name, mode="Automatic")
    obj, fired = run_through_kill_points(bed, name, plan, lambda o: status(o).get("phase") in DONE)
    st = status(obj)
    assert st["phase"] == "Succeeded", st["message"]
    assert fired == plan
    assert st["completedPhases"] == [p.value for p in PHASES]
    assert bed.references_only_target() == []
    bed.settled(bed.target.host)


@pytest.mark.parametrize("phase", ["DisableCVO", "CreateTags", "UpdateConfig", "RestartPods", "CreateWorkers"])
def test_a_rollback_requested_after_a_kill_inside_a_phase_restores_the_cluster(bed: Bed, phase: str) -> None:
    """The controller dies inside the phase (after its first write); the operator asks for Rollback at once;
    the phase that was cut short is rolled back too and the cluster ends as it was before."""
    bed.reset()
    before = bed.configuration()
    name = f"kill-then-rollback-{phase.lower()}"
    bed.stop_controller()
    create(bed, name, mode="Automatic")
    obj, fired = run_through_kill_points(bed, name, [f"execute {phase} 1"], lambda o: bed.controller is not None
                                         and bed.controller.name.endswith("-1"))
    set_state(bed.cluster, name, "Rollback")
    obj = bed.wait(name, lambda o: status(o).get("phase") in DONE, timeout=300)
    st = status(obj)
    assert fired == [f"execute {phase} 1"]
    assert st["phase"] == "RolledBack", st["message"]
    assert phase in st["rolledBackPhases"]
    assert bed.configuration() == before
    bed.settled(bed.source.host)


def test_a_kill_inside_every_rollback_step_still_restores_the_cluster(bed: Bed) -> None:
    """A fault in the last phase rolls back all fifteen; the controller dies right after the first write of
    each rollback step that writes; the cluster still ends as it was before the migration."""
    bed.reset()
    before = bed.configuration()
    name = "kill-rollback-inside"
    create(bed, name)
    approve_until(bed, name, PHASES[-2].value)
    bed.wait(name, lambda o: status(o).get("currentPhase") == PHASES[-1].value
             and status(o).get("phase") == "WaitingForApproval")
    bed.stop_controller()  # the failing phase and every rollback step run under the kill plan
    inject(bed, FAULTS[PHASES[-1].value])
    approve(bed.cluster, name, [p.value for p in PHASES])
    plan = [f"rollback {p} 1" for p in ROLLBACK_WRITING]
    obj, fired = run_through_kill_points(bed, name, plan, lambda o: status(o).get("phase") in DONE)
    st = status(obj)
    assert st["phase"] == "RolledBack", st["message"]
    assert fired == plan
    assert st["rolledBackPhases"] == [p.value for p in reversed(PHASES)]
    assert bed.configuration() == before
    bed.settled(bed.source.host)


def test_a_degraded_operator_times_out_monitor_health_naming_it(bed: Bed) -> None:
    bed.reset()
    create(bed, "degraded-e2e", rollbackOnFailure=False, phaseTimeouts={"MonitorHealth": "4s"})
    approve_until(bed, "degraded-e2e", "RestartPods")
    bed.wait("degraded-e2e", lambda o: status(o).get("currentPhase") == "MonitorHealth"
             and status(o).get("phase") == "WaitingForApproval")
    inject(bed, ("degraded", "machine-api"))
    approve(bed.cluster, "degraded-e2e", [p.value for p in PHASES[:10]])
    obj = bed.wait("degraded-e2e", lambda o: status(o).get("phase") in DONE, timeout=120)
    message = status(obj)["message"]
    assert status(obj)["phase"] == "Failed"
    assert "MonitorHealth timed out" in message and "machine-api is Degraded" in message


def test_a_missing_permission_fails_with_a_clear_message(bed: Bed) -> None:
    bed.reset()
    install_rbac(bed.cluster, drop=("kube-system", "secrets"))
    try:
        create(bed, "rbac-e2e", mode="Automatic", rollbackOnFailure=False)
        obj = bed.wait("rbac-e2e", lambda o: status(o).get("phase") in DONE, timeout=120)
    finally:
        install_rbac(bed.cluster)
    message = status(obj)["message"]
    assert status(obj)["phase"] == "Failed"
    assert 'secrets "vsphere-creds" is forbidden' in message
    assert "system:serviceaccount:vsphere-migration:vsphere-migration-controller" in message


def test_the_simulator_provisions_only_with_what_the_cluster_gives(bed: Bed) -> None:
    """A MachineSet on the target before the controller wrote its credentials and cloud config: no VM, no
    Running Machine, and the refusal says which part is missing."""
    bed.reset()
    source_set = bed.cluster.admin.get(MS_API, "MachineSet", next(iter(WORKER_SETS)), "openshift-machine-api")
    spec = json.loads(json.dumps(source_set["spec"]).replace(bed.source.host, bed.target.host))
    spec["replicas"] = 1
    name = "ungiven-target"
    spec["selector"]["matchLabels"][SET_LABEL] = name
    spec["template"]["metadata"]["labels"][SET_LABEL] = name
    created_before = bed.simulator.vm_creations
    bed.cluster.admin.create({"apiVersion": MS_API, "kind": "MachineSet",
                              "metadata": {"name": name, "namespace": "openshift-machine-api"}, "spec": spec})
    try:
        deadline = time.monotonic() + 10
        while not any(bed.target.host in e and "refusing to provision" in e for e in bed.simulator.errors):
            assert time.monotonic() < deadline, bed.simulator.errors[-3:]
            time.sleep(0.1)
        refusal = next(e for e in reversed(bed.simulator.errors) if "refusing to provision" in e)
        assert "not a vCenter of the cloud-provider-config" in refusal
        assert bed.simulator.vm_creations == created_before
        machines = [m for m in bed.cluster.admin.list_objects(MS_API, "Machine", "openshift-machine-api")
                    if (m["metadata"].get("labels") or {}).get(SET_LABEL) == name]
        assert machines and all((m.get("status") or {}).get("phase") != "Running" for m in machines)
    finally:
        bed.cluster.admin.delete(MS_API, "MachineSet", name, "openshift-machine-api")
        bed.settled(bed.source.host)


def test_an_operator_pauses_resumes_and_then_rolls_back_mid_run(bed: Bed) -> None:
    bed.reset()
    before = bed.configuration()
    name = "operator-e2e"
    create(bed, name)
    approve_until(bed, name, "CreateTags")
    bed.wait(name, lambda o: status(o).get("currentPhase") == "CreateFolder"
             and status(o).get("phase") == "WaitingForApproval")
    set_state(bed.cluster, name, "Paused")
    bed.wait(name, lambda o: status(o).get("phase") == "Paused")
    approve(bed.cluster, name, [p.value for p in PHASES[:6]])  # an approval while paused runs nothing
    generation = get_migration(bed.cluster, name)["metadata"]["generation"]
    seen = bed.wait(name, lambda o: status(o).get("observedGeneration") == generation)  # reconciled since
    paused = status(seen)
    assert paused["phase"] == "Paused" and paused["completedPhases"] == [p.value for p in PHASES[:5]]
    set_state(bed.cluster, name, "Running")
    bed.wait(name, lambda o: status(o).get("currentPhase") == "UpdateInfrastructure"
             and status(o).get("phase") == "WaitingForApproval")
    approve(bed.cluster, name, [p.value for p in PHASES[:7]])
    bed.wait(name, lambda o: status(o).get("currentPhase") == "UpdateConfig"
             and status(o).get("phase") == "WaitingForApproval")
    set_state(bed.cluster, name, "Rollback")
    obj = bed.wait(name, lambda o: status(o).get("phase") in DONE, timeout=300)
    st = status(obj)
    assert st["phase"] == "RolledBack", st["message"]
    assert st["rolledBackPhases"] == [p.value for p in reversed(PHASES[:7])]
    assert bed.configuration() == before
    bed.settled(bed.source.host)


CPMS_PATH = ("machine.openshift.io/v1", "ControlPlaneMachineSet", "cluster", "openshift-machine-api")


def test_an_inactive_control_plane_machine_set_is_activated_and_put_back_inactive_by_a_rollback(bed: Bed) -> None:
    bed.reset()
    make_cpms_inactive(bed.cluster, bed.source)
    before, inactive_uid = bed.configuration(), bed.cluster.admin.get(*CPMS_PATH)["metadata"]["uid"]
    assert before["cpms"]["state"] == "Inactive"
    create(bed, "inactive-cpms", mode="Automatic")
    obj = bed.wait("inactive-cpms", lambda o: "RecreateCPMS" in (status(o).get("completedPhases") or [])
                   or status(o).get("phase") in DONE, timeout=300)
    assert "RecreateCPMS" in status(obj)["completedPhases"], status(obj)["message"]
    assert bed.cluster.admin.get(*CPMS_PATH)["spec"]["state"] == "Active"
    rollout = status(obj)["rollout"]["controlPlane"]
    assert (rollout["server"], rollout["state"], rollout["updated"], rollout["ready"], rollout["total"]) == (
        bed.target.host, "Active", 3, 3, 3)
    assert rollout["etcd"] == "3 members are available" and rollout["timeoutAt"]
    set_state(bed.cluster, "inactive-cpms", "Rollback")
    obj = bed.wait("inactive-cpms", lambda o: status(o).get("phase") in DONE, timeout=300)
    assert status(obj)["phase"] == "RolledBack", status(obj)["message"]
    assert bed.configuration() == before  # the CPMS spec, Inactive again, among the rest
    # re-created: the API forbids Active -> Inactive
    assert bed.cluster.admin.get(*CPMS_PATH)["metadata"]["uid"] != inactive_uid
    bed.settled(bed.source.host)


def test_restarted_pods_that_never_become_ready_fail_restart_pods_at_its_timeout(bed: Bed) -> None:
    bed.reset()
    before = bed.configuration()
    bed.simulator.pods_start = False  # the replacements are created but never become Ready
    create(bed, "pods-stuck", mode="Automatic", phaseTimeouts={"RestartPods": "4s"})
    failed = bed.wait("pods-stuck", lambda o: status(o).get("phase") in ("RollingBack", *DONE), timeout=120)
    bed.clear_faults()
    record = [r for r in status(failed)["phaseHistory"] if r["result"] == "Failed"]
    assert [r["name"] for r in record] == ["RestartPods"], status(failed)["message"]
    message = record[0]["message"]
    assert message.startswith("RestartPods timed out after 4s: waiting for the restarted pods to be Ready: "), message
    assert "openshift-cluster-csi-drivers app=vmware-vsphere-csi-driver-controller 0/1" in message
    assert message.count(" 0/1") == 9  # every component named
    obj = bed.wait("pods-stuck", lambda o: status(o).get("phase") in DONE, timeout=300)
    assert status(obj)["phase"] == "RolledBack", status(obj)["message"]
    assert bed.configuration() == before


def test_worker_rollout_progress_per_failure_domain_and_a_stalled_old_machine_named(bed: Bed) -> None:
    bed.reset()
    before = bed.configuration()
    old_set = sorted(WORKER_SETS)[0]
    machines = bed.cluster.admin.list_objects(MS_API, "Machine", "openshift-machine-api")
    stuck = next(m["metadata"]["name"] for m in machines if m["metadata"]["labels"].get(SET_LABEL) == old_set)
    machine_path = bed.cluster.admin.path(MS_API, "Machine", stuck, "openshift-machine-api")
    hold = {"metadata": {"finalizers": ["test.example/drain-blocked"]}}  # its deletion cannot finish
    bed.cluster.admin.request("PATCH", machine_path, hold, content_type="application/merge-patch+json")
    try:
        create(bed, "stalled", mode="Automatic", phaseTimeouts={"ScaleOld": "6s"})
        failed = bed.wait("stalled", lambda o: status(o).get("phase") in ("RollingBack", *DONE), timeout=300)
    finally:
        bed.cluster.admin.request("PATCH", machine_path, {"metadata": {"finalizers": None}},
                                  content_type="application/merge-patch+json")
    record = [r for r in status(failed)["phaseHistory"] if r["result"] == "Failed"]
    assert [r["name"] for r in record] == ["ScaleOld"], status(failed)["message"]
    assert f"waiting for 1 old worker Machine(s) to be deleted: {stuck} (deleting for " in record[0]["message"]
    assert f"see oc describe machine -n openshift-machine-api {stuck})" in record[0]["message"]
    workers = status(failed)["rollout"]["workers"]
    total = sum(WORKER_SETS.values())
    assert workers["domains"] == [{"failureDomain": "target-fd-a", "machineSet": f"{INFRA_ID}-worker-target-fd-a",
                                   "desired": total, "created": total, "running": total, "nodesReady": total}]
    assert [m.split(" ")[0] for m in workers["oldMachinesDeleting"]] == [stuck] and workers["timeoutAt"]
    obj = bed.wait("stalled", lambda o: status(o).get("phase") in DONE, timeout=300)
    assert status(obj)["phase"] == "RolledBack", status(obj)["message"]
    assert bed.configuration() == before
    bed.settled(bed.source.host)


LEASE = ("coordination.k8s.io/v1", "Lease", "vsphere-migration-controller", "vsphere-migration")


def test_two_replicas_with_leader_election_finish_the_migration_when_the_leader_is_killed_after_every_phase(
        bed: Bed) -> None:
    """Two controller processes under the deploy RBAC, each a candidate for the Lease; the one leading is
    SIGKILLed as soon as each phase but the last has completed (and a new candidate started, as the Deployment
    would); the other takes the Lease and the migration ends Succeeded with every phase executed exactly once
    (counted where it happens, in every process), only the target left."""
    bed.reset()
    bed.stop_controller()
    with contextlib.suppress(ApiError):
        bed.cluster.admin.delete(*LEASE)
    executions = bed.work / "leader-executions"
    executions.unlink(missing_ok=True)
    replicas: dict[str, ServerProcess] = {}
    killed: list[str] = []

    def launch() -> None:
        name = f"replica-{len(replicas) + len(killed)}"
        replicas[name] = start_controller(bed.work, bed.kubeconfig, interval=0.2, name=name, killable=True,
                                          extra_args=["--leader-elect", "--lease-namespace", LEASE[3]], extra_env={
            "POD_NAME": name, "LEADER_ELECTION_LEASE_SECONDS": "3", "MIGRATION_METRICS_PORT": "0",
            EXECUTIONS: str(executions)})

    try:
        launch()
        launch()
        create(bed, "leader-e2e", mode="Automatic")
        for count in range(1, len(PHASES)):
            obj = bed.wait("leader-e2e", lambda o, n=count: len(status(o).get("completedPhases") or []) >= n
                           or status(o).get("phase") in DONE, timeout=300)
            assert status(obj)["phase"] == "Running", status(obj)["message"]
            leader = bed.cluster.admin.get(*LEASE)["spec"]["holderIdentity"]
            replicas.pop(leader).process.kill()
            killed.append(leader)
            launch()
        obj = bed.wait("leader-e2e", lambda o: status(o).get("phase") in DONE, timeout=400)
    finally:
        for process in replicas.values():
            process.stop()
        bed.start_controller()
    st = status(obj)
    assert st["phase"] == "Succeeded", st["message"]
    assert st["completedPhases"] == [p.value for p in PHASES]
    assert executions.read_text().splitlines() == [f"execute {p.value}" for p in PHASES]  # none run twice
    assert bed.references_only_target() == []
    lease = bed.cluster.admin.get(*LEASE)["spec"]
    assert len(set(killed)) == len(PHASES) - 1 and lease["leaseTransitions"] >= len(killed), (killed, lease)


REPLICA_AGENT = "vsphere-migration-controller/"


def lease_holder(bed: Bed) -> str:
    with contextlib.suppress(ApiError):
        return str(bed.cluster.admin.get(*LEASE)["spec"].get("holderIdentity") or "")
    return ""


def parsed(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


@pytest.mark.parametrize("cut", ["refuse", "drop"])
def test_a_leader_cut_off_from_the_api_server_stops_before_another_takes_over_and_writes_nothing_after(
        bed: Bed, cut: str) -> None:
    """The leading replica reaches the API server through a proxy that then refuses every connection (or
    silently drops everything). It stops within its renew deadline (2 s of a 3 s Lease), before the other
    replica can take the Lease; the other finishes the migration; the API server's audit log shows no write of
    the cut-off replica after the takeover (a request already past the proxy at the cut may still complete)."""
    from testenv.proxy import TcpProxy

    bed.reset()
    bed.stop_controller()
    with contextlib.suppress(ApiError):
        bed.cluster.admin.delete(*LEASE)
    proxy = TcpProxy(bed.cluster.port)
    name, cut_off, other = f"partition-{cut}", f"replica-{cut}-a", f"replica-{cut}-b"
    settings = {"LEADER_ELECTION_LEASE_SECONDS": "3", "LEADER_ELECTION_RENEW_DEADLINE_SECONDS": "2",
                "LEADER_ELECTION_RETRY_SECONDS": "0.4", "MIGRATION_METRICS_PORT": "0"}
    args = ["--leader-elect", "--lease-namespace", LEASE[3]]
    a = start_controller(bed.work, bed.kubeconfig, interval=0.2, name=cut_off, extra_args=args,
                         extra_env={**settings, "POD_NAME": cut_off}, server=proxy.url)
    b: ServerProcess | None = None
    try:
        a.wait_until(lambda: lease_holder(bed) == cut_off, timeout=60)
        b = start_controller(bed.work, bed.kubeconfig, interval=0.2, name=other, extra_args=args,
                             extra_env={**settings, "POD_NAME": other})
        create(bed, name, mode="Automatic")
        bed.wait(name, lambda o: len(status(o).get("completedPhases") or []) >= 4, timeout=300)
        cut_at, cut_wall = time.monotonic(), datetime.now(UTC)
        getattr(proxy, cut)()
        assert a.process.wait(timeout=15) == LOST_LEADERSHIP_EXIT, a.log_tail(30)
        stopped_after = time.monotonic() - cut_at
        b.wait_until(lambda: lease_holder(bed) == other, timeout=30)
        took_over_after = time.monotonic() - cut_at
        took_over = parsed(bed.cluster.admin.get(*LEASE)["spec"]["acquireTime"])
        obj = wait_for(bed.cluster, name, lambda o: status(o).get("phase") in DONE, 400, b)
    finally:
        a.stop()
        if b is not None:
            b.stop()
        proxy.close()
        bed.start_controller()
    print(f"\n{cut}: the cut-off leader stopped {stopped_after:.2f} s after the cut; the other took the Lease "
          f"{took_over_after:.2f} s after it")
    assert stopped_after < 3.0 and stopped_after < took_over_after  # within the Lease, before the takeover
    assert status(obj)["phase"] == "Succeeded", status(obj)["message"]
    writes = [e for e in bed.cluster.audit_writes() if e.get("userAgent", "").startswith(REPLICA_AGENT + cut_off)]
    assert writes, "the cut-off replica's writes before the cut are in the audit log"
    late = [f"{e['verb']} {e['objectRef'].get('resource')} {e['stageTimestamp']}" for e in writes
            if parsed(e["stageTimestamp"]) >= took_over and e.get("responseStatus", {}).get("code", 0) < 400]
    assert late == []
    in_flight = [e for e in writes if parsed(e["requestReceivedTimestamp"]) > cut_wall + timedelta(seconds=0.5)]
    assert in_flight == []  # nothing of the cut-off replica passed the proxy after the cut
