"""What one reconcile step adds to the migration controller's metrics (labels bounded, counts exact)."""

from __future__ import annotations

from testenv.prometheus import metric
from vsphere_migration.metrics import MigrationMetrics, call_method, call_outcome


def samples(metrics: MigrationMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in metrics.registry.collect() for s in family.samples}


def status(phase: str, last: dict[str, str]) -> dict[str, object]:
    return {"phase": phase, "progress": 20, "phaseHistory": [last]}


def test_a_rolled_back_phase_and_a_failure_are_counted_with_their_duration() -> None:
    metrics = MigrationMetrics()
    failed = {"name": "CreateTags", "result": "Failed", "startTime": "2026-11-27T10:00:00Z",
              "endTime": "2026-11-27T10:00:30Z"}
    metrics.record("openshift-config", "m", status("RollingBack", failed), None, True, [])
    rolled = {"name": "DisableCVO", "result": "RolledBack", "startTime": "2026-11-27T10:01:00Z",
              "endTime": "2026-11-27T10:01:02Z"}
    metrics.record("openshift-config", "m", status("RollingBack", rolled), "rollback DisableCVO", False, [])
    found = samples(metrics)
    assert metric(found, "vsphere_migration_phase_failures_total", phase="CreateTags") == 1
    assert metric(found, "vsphere_migration_rollbacks_total", phase="DisableCVO") == 1
    assert metric(found, "vsphere_migration_phase_duration_seconds_sum", phase="CreateTags", result="Failed") == 30
    assert metric(found, "vsphere_migration_phase_duration_seconds_sum", phase="DisableCVO",
                  result="RolledBack") == 2
    assert metric(found, "vsphere_migration_phase", namespace="openshift-config", name="m", phase="RollingBack") == 1


def test_call_labels_stay_bounded() -> None:
    assert call_method("rest", "DELETE /rest/com/vmware/cis/tagging/tag/id:urn:vmomi:InventoryServiceTag:1:GLOBAL"
                       ) == "DELETE /rest/com/vmware/cis/tagging/tag/{id}"
    assert call_method("rest", "GET /rest/com/vmware/cis/tagging/category?x=1") == \
        "GET /rest/com/vmware/cis/tagging/category"
    assert call_method("soap", "vim.Folder.CreateFolder") == "vim.Folder.CreateFolder"
    assert [call_outcome(o) for o in ("ok", "HTTP 200", "HTTP 204", "HTTP 404", "HTTP 500", "fault: X: y")] == [
        "ok", "ok", "ok", "not_found", "error", "error"]
