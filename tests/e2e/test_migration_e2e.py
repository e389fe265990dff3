"""End to end: the controller process (with the deploy RBAC) migrates a simulated cluster between two vCenters."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import SHARED
from testenv.e2e import Bed, install_rbac, start_bed
from testenv.migration import approve, status
from testenv.openshift import MIGRATION_NAMESPACE, migration, openshift_crds
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


def approve_until(bed: Bed, name: str, last: str | None, *, kill: bool = False) -> dict[str, Any]:
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
        if kill:  # kill the controller while it works on this phase, then start a new one
            time.sleep(random.uniform(0.0, 0.4))
            bed.kill_controller()
            bed.start_controller()
        if phase == last:
            return obj


def test_automatic_migration_moves_everything_to_the_target(bed: Bed) -> None:
    bed.reset()
    create(bed, "auto-e2e", mode="Automatic")
    obj = bed.wait("auto-e2e", lambda o: status(o).get("phase") in DONE, timeout=300)
    assert status(obj)["phase"] == "Succeeded", status(obj)["message"]
    assert status(obj)["completedPhases"] == [p.value for p in PHASES]
    assert bed.references_only_target() == []
    bed.settled(bed.target.host)
    assert len(json.dumps(obj["status"])) < 64 * 1024  # bounded: backups live in owned objects, calls are capped
    assert len(status(obj)["recentCalls"]) <= 20


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
    obj = bed.wait(name, lambda o: status(o).get("phase") in ("RolledBack", "Failed", "Succeeded"), timeout=300)
    assert status(obj)["phase"] == "RolledBack", status(obj)["message"]
    assert bed.configuration() == before
    bed.settled(bed.source.host)


def test_killing_the_controller_in_every_phase_still_ends_migrated(bed: Bed) -> None:
    bed.reset()
    create(bed, "kill-e2e")
    approve_until(bed, "kill-e2e", None, kill=True)
    obj = bed.wait("kill-e2e", lambda o: status(o).get("phase") in DONE, timeout=300)
    st = status(obj)
    assert st["phase"] == "Succeeded", st["message"]
    assert st["completedPhases"] == [p.value for p in PHASES]
    assert bed.references_only_target() == []


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
    assert MIGRATION_NAMESPACE
