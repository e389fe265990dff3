"""The pure preflight checks of openshift/readiness.py, on the shapes OpenShift writes."""

from __future__ import annotations

from typing import Any

from vsphere_migration.openshift import readiness


def gate(version: str, enabled: list[str], disabled: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"version": version, "enabled": [{"name": n} for n in enabled], "disabled": [{"name": n} for n in disabled]}


def cluster_version(version: str, progressing: str = "False") -> dict[str, Any]:
    return {"status": {"desired": {"version": version},
                       "conditions": [{"type": "Progressing", "status": progressing, "message": "Working towards x"}]}}


def test_the_gate_counts_only_for_the_running_version() -> None:
    entries = [gate("4.17.9", [readiness.GATE]), gate("4.18.12", [], [readiness.GATE])]
    feature_gate = {"status": {"featureGates": entries}}
    assert readiness.feature_gate_problems(feature_gate, cluster_version("4.17.9")) == []
    [problem] = readiness.feature_gate_problems(feature_gate, cluster_version("4.18.12"))
    assert "not enabled on 4.18.12" in problem and "CustomNoUpgrade" in problem


def test_a_cluster_without_a_feature_gate_status_is_refused_naming_the_gate() -> None:
    [problem] = readiness.feature_gate_problems(None, None)
    assert readiness.GATE in problem


def test_an_upgrade_is_in_progress_only_when_progressing_is_true() -> None:
    assert readiness.upgrade_problems(cluster_version("4.18.12", "False")) == []
    assert readiness.upgrade_problems(None) == []
    assert "Working towards x" in readiness.upgrade_problems(cluster_version("4.18.12", "True"))[0]


def test_vsphere_volumes_csi_and_in_tree_are_named_at_most_five() -> None:
    volumes = [{"metadata": {"name": f"pv-{i}"}, "spec": {"csi": {"driver": readiness.VSPHERE_CSI_DRIVER}}}
               for i in range(6)]
    volumes.append({"metadata": {"name": "legacy"}, "spec": {"vsphereVolume": {"volumePath": "[ds] x.vmdk"}}})
    volumes.append({"metadata": {"name": "nfs"}, "spec": {"nfs": {"server": "n", "path": "/"}}})
    [problem] = readiness.volume_problems(volumes)
    assert problem.startswith("7 PersistentVolume(s)") and "and 2 more" in problem and "nfs" not in problem


def test_the_platforms_own_health_check_is_not_a_reason_to_refuse() -> None:
    platform = [{"metadata": {"name": "machine-api-termination-handler"}}]
    assert readiness.remediation_problems(platform, [], []) == []


def test_topology_refuses_two_datacenters_repeated_and_taken_names() -> None:
    vcenters = [{"server": "s", "datacenters": ["DC0", "DC1"]}, {"server": "t", "datacenters": ["DC9"]}]
    problems = readiness.topology_problems(vcenters, "s", [{"name": "fd-a", "server": "s"}], ["fd-a", "fd-b", "fd-b"])
    assert len(problems) == 3
    assert "spans 2 datacenters" in problems[0] and "repeats the name(s) fd-b" in problems[1]
    assert "fd-a already belong" in problems[2]
