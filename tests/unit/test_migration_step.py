"""reconcile.step against a fake cluster: one step's effect on the status, events and the record it writes
ahead, for the outcomes a phase can have (the real-server tiers run the same steps end to end)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from vsphere_migration.api.models import PHASES, MigrationSpec, MigrationStatus, PhaseName, PhaseRecord
from vsphere_migration.context import MigrationContext
from vsphere_migration.openshift.cluster import ClusterError
from vsphere_migration.phases import REGISTRY
from vsphere_migration.phases.base import Outcome, Phase
from vsphere_migration.reconcile import step
from vsphere_migration.vsphere.calllog import CallLog
from vsphere_migration.vsphere.client import TaskStillRunning

TARGET = {"server": "vc-t.example.com", "datacenters": ["DC1"],
          "credentialsSecret": {"name": "t", "namespace": "openshift-config"}}
DOMAIN = {"name": "fd", "region": "r", "zone": "z", "server": "vc-t.example.com", "topology": {
    "datacenter": "DC1", "computeCluster": "/DC1/host/C1", "datastore": "/DC1/datastore/DS1", "networks": ["n"],
    "template": "/DC1/vm/rhcos"}}
CVO_INDEX = PHASES.index(PhaseName.DISABLE_CVO)


class FakeCluster:
    """The cluster-version-operator Deployment and the status writes, in memory, with a call journal."""

    def __init__(self, cvo_replicas: int = 1, fail: ClusterError | None = None, conflict_at: int | None = None) -> None:
        self.replicas, self.fail, self.journal = cvo_replicas, fail, []  # type: list[str]
        self.version, self.conflict_at = "10", conflict_at

    def deployment(self, namespace: str, name: str) -> Any:
        if self.fail:
            raise self.fail
        return SimpleNamespace(spec=SimpleNamespace(replicas=self.replicas))

    def scale_deployment(self, namespace: str, name: str, replicas: int) -> None:
        self.journal.append(f"scale {name} {replicas}")
        self.replicas = replicas

    def patch_status(self, kind: Any, namespace: str, name: str, patch: dict[str, Any], *,
                     resource_version: str | None = None) -> dict[str, Any]:
        if self.conflict_at == len([j for j in self.journal if j.startswith("status")]):
            raise ClusterError("patch status", 409, "the object has been modified")
        self.journal.append(f"status {sorted(patch)} at {resource_version}")
        self.version = str(int(self.version) + 1)
        return {"metadata": {"resourceVersion": self.version}}


def context(cluster: FakeCluster, *, state: str = "Running", recorded: dict[str, Any] | None = None,
            done: int = CVO_INDEX) -> MigrationContext:
    spec = MigrationSpec.model_validate({"targetVCenter": TARGET, "failureDomains": [DOMAIN], "state": state,
                                         "approvalMode": "Automatic"})
    status = MigrationStatus.model_validate({"phase": "Running", "recorded": recorded or {}})
    status.completed_phases = list(PHASES[:done])
    status.phase_history = [PhaseRecord(name=p, result="Succeeded", start_time="2026-11-27T10:00:00Z")
                            for p in PHASES[:done]]
    return MigrationContext("m", "openshift-config", "uid-1", spec, status, cluster, CallLog(),  # type: ignore[arg-type]
                            resource_version="10")


def test_a_step_runs_the_next_phase_and_records_before_it_changes_anything() -> None:
    cluster = FakeCluster(cvo_replicas=1)
    ctx = context(cluster)
    step(ctx)
    assert cluster.journal == [
        "status ['currentPhase', 'currentPhaseStartTime', 'phase', 'phaseHistory'] at 10",  # the phase started
        "status ['recorded'] at 11",  # written ahead, fenced by the version the first write returned
        "scale cluster-version-operator 0"]
    assert ctx.status.completed_phases[-1] == PhaseName.DISABLE_CVO
    assert ctx.status.current_phase == PhaseName.UPDATE_SECRETS and ctx.finished == "execute DisableCVO"
    assert [e.reason for e in ctx.events] == ["PhaseSucceeded"]
    assert ctx.status.phase_history[-1].result == "Succeeded"


def test_a_resumed_step_keeps_the_record_it_wrote_before_the_kill() -> None:
    cluster = FakeCluster(cvo_replicas=0)  # scaled down already; the first run was killed before its status
    ctx = context(cluster, recorded={"cvoReplicas": 1})
    from platform_common.clock import stamp

    ctx.status.phase_history.append(PhaseRecord(name=PhaseName.DISABLE_CVO, result="Running",  # persisted start
                                                start_time=stamp()))
    step(ctx)
    assert cluster.journal == [] and ctx.status.recorded.cvo_replicas == 1
    assert "scaled from 1 to 0" in ctx.status.message


def test_a_transient_api_error_requeues_without_completing_the_phase() -> None:
    ctx = context(FakeCluster(fail=ClusterError("get deployment", 503, "etcd leader changed")))
    delay = step(ctx)
    assert delay is not None and delay > 0
    assert ctx.status.phase == "Running" and PhaseName.DISABLE_CVO not in ctx.status.completed_phases
    assert "retrying after a transient API error" in ctx.status.message and ctx.finished is None


def test_a_terminal_api_error_fails_the_phase_and_starts_the_rollback() -> None:
    ctx = context(FakeCluster(fail=ClusterError("get deployment", 403, "forbidden")))
    step(ctx)
    assert ctx.status.phase == "RollingBack" and ctx.status.phase_history[-1].result == "Failed"
    failed = next(c for c in ctx.status.conditions if c.type == "Failed")
    assert (failed.status, failed.reason) == ("True", "DisableCVOFailed")
    assert [e.reason for e in ctx.events] == ["PhaseFailed"]


def test_a_rollback_step_undoes_the_last_completed_phase_from_its_record() -> None:
    cluster = FakeCluster(cvo_replicas=0)
    ctx = context(cluster, state="Rollback", recorded={"cvoReplicas": 2}, done=CVO_INDEX + 1)
    step(ctx)
    assert cluster.journal == ["scale cluster-version-operator 2"]
    assert ctx.status.rolled_back_phases == [PhaseName.DISABLE_CVO] and ctx.finished == "rollback DisableCVO"


class SlowTask(Phase):
    name = PhaseName.DISABLE_CVO

    def execute(self, ctx: MigrationContext) -> Outcome:
        raise TaskStillRunning("vCenter task task-7 on vc-t.example.com is still running")


def test_a_vcenter_task_still_running_requeues_instead_of_blocking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY, PhaseName.DISABLE_CVO, SlowTask())
    ctx = context(FakeCluster())
    assert (step(ctx) or 0) > 0
    assert "task-7" in ctx.status.message and "checking again" in ctx.status.message
    assert ctx.status.phase_history[-1].result == "Running"


def test_a_migration_recorded_by_the_earlier_controller_resumes_and_rolls_back() -> None:
    """The string map an earlier version wrote (JSON in strings) is read into the typed record."""
    legacy = {"cvo/replicas": "2", "replicas/workers-a": "3", "workers/old": '["workers-a"]',
              "folders/created": '["/DC0/vm/infra"]', "rollback-since/CreateTags": "2026-11-27T10:00:00Z",
              "tags/created": '{"categories": ["c1"], "tags": ["t1"], "attachments": [["t1", "Datacenter", "dc-1"]],'
                              ' "intended": {"categories": ["openshift-region"], "tags": [], "attachments": []}}'}
    recorded = MigrationStatus.model_validate({"recorded": legacy}).recorded
    assert (recorded.cvo_replicas, recorded.machine_set_replicas, recorded.old_worker_sets) == (
        2, {"workers-a": 3}, ["workers-a"])
    assert recorded.created_folders == ["/DC0/vm/infra"]
    assert recorded.rollback_since == {"CreateTags": "2026-11-27T10:00:00Z"}
    assert recorded.created_tags is not None and recorded.created_tags.attachments == [["t1", "Datacenter", "dc-1"]]
    assert recorded.created_tags.intended.categories == ["openshift-region"]
    cluster = FakeCluster(cvo_replicas=0)
    ctx = context(cluster, state="Rollback", recorded=legacy, done=CVO_INDEX + 1)
    step(ctx)
    assert cluster.journal == ["scale cluster-version-operator 2"]


def test_credentials_never_show_their_password() -> None:
    from vsphere_migration.context import Credentials

    login = Credentials("administrator@vsphere.local", "s3cret-pass")
    assert "s3cret-pass" not in repr(login) and "s3cret-pass" not in str(login) and "s3cret-pass" not in f"{login}"
    assert login.username == "administrator@vsphere.local" and login.password == "s3cret-pass"


def test_a_transient_error_is_told_apart_from_a_terminal_one_in_the_conditions() -> None:
    cluster = FakeCluster(fail=ClusterError("get deployment", 503, "etcd leader changed"))
    ctx = context(cluster)
    step(ctx)
    retrying = next(c for c in ctx.status.conditions if c.type == "Retrying")
    assert (retrying.status, retrying.reason) == ("True", "DisableCVORetrying") and "503" in retrying.message
    assert not any(c.type == "Failed" for c in ctx.status.conditions)
    cluster.fail = None
    step(ctx)
    retrying = next(c for c in ctx.status.conditions if c.type == "Retrying")
    assert (retrying.status, retrying.reason, retrying.message) == ("False", "NotRetrying", "")


def test_a_conflicting_status_write_ends_the_step_before_its_side_effect() -> None:
    """Another writer since the step read the object (e.g. a new leader): the step stops, nothing scaled."""
    cluster = FakeCluster(cvo_replicas=1, conflict_at=0)
    ctx = context(cluster)
    delay = step(ctx)
    assert cluster.journal == [] and cluster.replicas == 1
    assert delay is not None and delay > 0 and ctx.finished is None
    assert "changed since this step read it" in ctx.status.message


def test_a_conflict_on_the_write_ahead_leaves_the_cluster_untouched() -> None:
    cluster = FakeCluster(cvo_replicas=1, conflict_at=1)
    ctx = context(cluster)
    step(ctx)
    assert cluster.replicas == 1 and [j for j in cluster.journal if j.startswith("scale")] == []


def test_a_rollback_of_disable_cvo_without_its_record_changes_nothing() -> None:
    """Killed inside DisableCVO before its record: no scale-down happened, so the rollback scales nothing."""
    cluster = FakeCluster(cvo_replicas=2)
    ctx = context(cluster, state="Rollback", done=CVO_INDEX)
    ctx.status.phase_history.append(PhaseRecord(name=PhaseName.DISABLE_CVO, result="Running",
                                                start_time="2026-11-27T10:00:00Z"))
    step(ctx)
    assert [j for j in cluster.journal if j.startswith("scale")] == [] and cluster.replicas == 2
    assert ctx.status.rolled_back_phases == [PhaseName.DISABLE_CVO]
