"""Migration behaviours beyond the happy path, reconciled in-process against a real API server and two vCenter
simulators: another active migration, a backup left by an earlier migration of the same name, the YAML form
of the cloud-provider-config, several failure domains with explicit worker MachineSets, a transient API error,
a rollback step that fails and is retried, and every rollback step repeated after a lost status write."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from conftest import SHARED
from testenv.kube import ApiError
from testenv.migration import (
    allow,
    approve,
    delete_migrations,
    deny,
    drive,
    get_migration,
    grant,
    in_process_bed,
    reconcile_once,
    set_state,
    status,
    with_session,
)
from testenv.openshift import (
    INFRA_ID,
    MIGRATION_NAMESPACE,
    TARGET_SECRET,
    WORKER_SETS,
    b64,
    configuration,
    failure_domain,
    migration,
    seed,
    set_cluster_version,
    set_csi_driver,
    set_feature_gate,
)
from testenv.vcenter_state import vcenter_state, wipe_migration_leftovers
from testenv.vcsim import LIMITED_PASSWORD, LIMITED_USER
from vsphere_migration.api.models import PHASES

MS_API = "machine.openshift.io/v1beta1"
API = ("migration.openshift.io/v1alpha1", "VmwareCloudFoundationMigration")
CLOUD_CONFIG = ("v1", "ConfigMap", "cloud-provider-config", "openshift-config")


@pytest.fixture(scope="module")
def bed(kube_cluster: Any, vcsim_factory: Any) -> Iterator[Any]:
    yield in_process_bed(kube_cluster, vcsim_factory, SHARED, "behaviours", "127.0.0.23", "127.0.0.24")
    delete_migrations(kube_cluster)


def start(bed: Any, name: str, **kwargs: Any) -> None:
    delete_migrations(bed.cluster)
    wipe_migration_leftovers(bed.tgt)
    seed(bed.cluster, bed.src, bed.tgt)
    bed.cluster.admin.create(migration(bed.tgt, name, **kwargs))


def completed(phase: str) -> Any:
    return lambda o: phase in (status(o).get("completedPhases") or []) or status(o).get("phase") == "Failed"


def test_a_second_migration_is_refused_while_another_is_active(bed: Any) -> None:
    start(bed, "first")  # Manual: once its Preflight ran it holds the cluster, WaitingForApproval (active)
    drive(bed.cluster, "first", lambda o: status(o).get("phase") == "WaitingForApproval")
    approve(bed.cluster, "first", ["Preflight"])
    drive(bed.cluster, "first", lambda o: status(o).get("phase") == "WaitingForApproval"
          and "Preflight" in (status(o).get("completedPhases") or []))
    before = configuration(bed.cluster)
    bed.cluster.admin.create(migration(bed.tgt, "second", mode="Automatic", rollbackOnFailure=False))
    obj = drive(bed.cluster, "second", lambda o: status(o).get("phase") == "Failed")
    assert f"another migration is in progress: {MIGRATION_NAMESPACE}/first" in status(obj)["message"]
    assert configuration(bed.cluster) == before


def test_two_migrations_created_in_the_same_moment_never_both_pass_preflight(bed: Any) -> None:
    """Both are reconciled at once from two threads (as the controller's handlers run), released together at
    their Preflight: the API server lets exactly one claim the cluster; the other is refused naming it."""
    delete_migrations(bed.cluster)
    wipe_migration_leftovers(bed.tgt)
    seed(bed.cluster, bed.src, bed.tgt)
    names = ("twin-a", "twin-b")
    for name in names:
        bed.cluster.admin.create(migration(bed.tgt, name, mode="Automatic", rollbackOnFailure=False))
    together = threading.Barrier(len(names))
    outcome: dict[str, Any] = {}

    def run(name: str) -> None:
        together.wait()
        outcome[name] = drive(bed.cluster, name, lambda o: status(o).get("phase") == "Failed"
                              or "Preflight" in (status(o).get("completedPhases") or []))

    threads = [threading.Thread(target=run, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    passed = [n for n in names if "Preflight" in (status(outcome[n]).get("completedPhases") or [])]
    assert len(passed) == 1, {n: status(outcome[n]).get("message") for n in names}
    refused = next(n for n in names if n not in passed)
    assert status(outcome[refused])["message"] == (f"Preflight failed: another migration is in progress: "
                                                   f"{MIGRATION_NAMESPACE}/{passed[0]}")
    lease = bed.cluster.admin.get("coordination.k8s.io/v1", "Lease", "vsphere-migration-active", "openshift-config")
    assert lease["spec"]["holderIdentity"].startswith(f"{MIGRATION_NAMESPACE}/{passed[0]}/")
    delete_migrations(bed.cluster)


def test_a_backup_left_by_an_earlier_migration_of_the_same_name_is_never_used(bed: Any) -> None:
    start(bed, "again", mode="Automatic", rollbackOnFailure=False)
    drive(bed.cluster, "again", completed("Backup"))
    # The migration is deleted but its backup stays (as when the garbage collector has not caught up yet).
    bed.cluster.admin.delete(*API, "again", MIGRATION_NAMESPACE)
    with contextlib.suppress(ApiError):  # a finalizer only when a controller added one
        bed.cluster.admin.request("PATCH", bed.cluster.admin.path(*API, "again", MIGRATION_NAMESPACE),
                                  {"metadata": {"finalizers": None}}, content_type="application/merge-patch+json")
    assert bed.cluster.admin.get("v1", "ConfigMap", "again-backup", MIGRATION_NAMESPACE)
    seed(bed.cluster, bed.src, bed.tgt)
    bed.cluster.admin.create(migration(bed.tgt, "again", mode="Automatic", rollbackOnFailure=False))
    obj = drive(bed.cluster, "again", lambda o: status(o).get("phase") == "Failed")
    assert "belongs to another (earlier) migration of the same name" in status(obj)["message"]
    assert status(obj)["completedPhases"] == ["Preflight"]


def yaml_cloud_config(bed: Any) -> str:
    return yaml.safe_dump({
        "global": {"secretName": "vsphere-creds", "secretNamespace": "kube-system", "insecureFlag": True},
        "vcenter": {bed.src.host: {"server": bed.src.host, "port": bed.src.port, "datacenters": ["DC0"]}},
        "labels": {"region": "openshift-region", "zone": "openshift-zone"},
    }, sort_keys=False)


def test_the_yaml_cloud_config_gains_the_target_and_is_restored_on_rollback(bed: Any) -> None:
    start(bed, "yaml-config", mode="Automatic", phaseTimeouts={"CreateWorkers": "2s"})
    admin = bed.cluster.admin
    config_map = admin.get(*CLOUD_CONFIG)
    admin.request("PUT", admin.path_of(config_map), {**config_map, "data": {"config": yaml_cloud_config(bed)}})
    before = configuration(bed.cluster)
    drive(bed.cluster, "yaml-config", completed("UpdateConfig"))
    edited = yaml.safe_load(admin.get(*CLOUD_CONFIG)["data"]["config"])
    assert sorted(v["server"] for v in edited["vcenter"].values()) == sorted([bed.src.host, bed.tgt.host])
    assert edited["labels"] == {"region": "openshift-region", "zone": "openshift-zone"}  # untouched
    obj = drive(bed.cluster, "yaml-config", lambda o: status(o).get("phase") in ("RolledBack", "Failed"),
                max_steps=200)
    assert status(obj)["phase"] == "RolledBack", status(obj)["message"]
    assert configuration(bed.cluster) == before


def test_two_failure_domains_with_explicit_machine_sets_and_replicas(bed: Any) -> None:
    chosen = sorted(WORKER_SETS)[0]
    domains = [failure_domain(bed.tgt, "target-fd-a", "zone-a"), failure_domain(bed.tgt, "target-fd-b", "zone-b")]
    start(bed, "two-domains", mode="Automatic", failure_domains=domains, phaseTimeouts={"CreateWorkers": "3s"},
          workers={"machineSets": [chosen], "replicasPerFailureDomain": 2})
    before = configuration(bed.cluster)

    def created(obj: Any) -> bool:
        return len(new_sets()) == 2 or status(obj).get("phase") in ("RollingBack", "RolledBack", "Failed")

    def new_sets() -> dict[str, Any]:
        return {m["metadata"]["name"]: m for m in bed.cluster.admin.list_objects(MS_API, "MachineSet",
                                                                                 "openshift-machine-api")
                if m["metadata"]["name"] not in WORKER_SETS}

    drive(bed.cluster, "two-domains", created, max_steps=200)
    sets = new_sets()
    assert sorted(sets) == [f"{INFRA_ID}-worker-target-fd-a", f"{INFRA_ID}-worker-target-fd-b"]
    template = bed.cluster.admin.get(MS_API, "MachineSet", chosen, "openshift-machine-api")["spec"]["template"]
    for name, machine_set in sets.items():
        value = machine_set["spec"]["template"]["spec"]["providerSpec"]["value"]
        assert machine_set["spec"]["replicas"] == 2
        assert value["workspace"]["server"] == bed.tgt.host
        assert value["workspace"]["folder"] == f"/DC0/vm/{INFRA_ID}"
        assert value["numCPUs"] == template["spec"]["providerSpec"]["value"]["numCPUs"], name
    obj = drive(bed.cluster, "two-domains", lambda o: status(o).get("phase") in ("RolledBack", "Failed"),
                max_steps=300)
    assert status(obj)["phase"] == "RolledBack", status(obj)["message"]
    assert new_sets() == {} and configuration(bed.cluster) == before


def test_a_transient_api_error_is_retried_and_the_phase_then_succeeds(bed: Any, monkeypatch: Any) -> None:
    from vsphere_migration.openshift.cluster import Cluster, ClusterError

    start(bed, "transient", mode="Automatic", rollbackOnFailure=False)
    drive(bed.cluster, "transient", completed("Backup"))
    failures = iter([ClusterError("scale cluster-version-operator", 503, "etcdserver: leader changed")])
    original = Cluster.scale_deployment

    def flaky(self: Any, *args: Any, **kwargs: Any) -> Any:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Cluster, "scale_deployment", flaky)
    obj = drive(bed.cluster, "transient", lambda o: "retrying after a transient API error" in
                (status(o).get("message") or "") or status(o).get("phase") == "Failed")
    assert "leader changed" in status(obj)["message"] and status(obj)["phase"] == "Running"
    obj = drive(bed.cluster, "transient", completed("DisableCVO"))
    assert "DisableCVO" in status(obj)["completedPhases"]
    assert [r["result"] for r in status(obj)["phaseHistory"] if r["name"] == "DisableCVO"] == ["Succeeded"]


def test_a_rollback_step_that_fails_is_retried_until_the_cause_is_gone(bed: Any) -> None:
    start(bed, "retry-rollback", mode="Automatic")
    before = configuration(bed.cluster)
    drive(bed.cluster, "retry-rollback", completed("UpdateSecrets"))
    deny(bed.cluster, "deny-secret-updates", "UPDATE", "", "secrets")  # the in-process reconciles are the test's
    try:
        set_state(bed.cluster, "retry-rollback", "Rollback")
        obj = drive(bed.cluster, "retry-rollback", lambda o: "rollback of UpdateSecrets failed, retrying" in
                    (status(o).get("message") or ""))
        assert "injected fault: UPDATE secrets refused" in status(obj)["message"]
        assert status(obj)["phase"] == "RollingBack"
    finally:
        allow(bed.cluster, "deny-secret-updates")
    obj = drive(bed.cluster, "retry-rollback", lambda o: status(o).get("phase") in ("RolledBack", "Failed"))
    assert status(obj)["phase"] == "RolledBack", status(obj)["message"]
    assert configuration(bed.cluster) == before
    assert get_migration(bed.cluster, "retry-rollback")["status"]["rolledBackPhases"] == [
        p.value for p in reversed(PHASES[:4])]


def test_every_rollback_step_repeated_after_a_lost_status_write_still_restores_everything(bed: Any) -> None:
    """Each rollback step runs once with its status write dropped (a controller killed right after it) and then
    again from the persisted status: removals of what is already gone succeed, and the end state is exact."""
    start(bed, "repeat-rollback", mode="Automatic", phaseTimeouts={"CreateWorkers": "2s"})
    before = configuration(bed.cluster)
    drive(bed.cluster, "repeat-rollback", lambda o: status(o).get("phase") == "RollingBack", max_steps=200)
    repeated = []
    for _ in range(60):
        if status(get_migration(bed.cluster, "repeat-rollback")).get("phase") != "RollingBack":
            break
        lost = reconcile_once(bed.cluster, "repeat-rollback", write_status=False)
        kept = reconcile_once(bed.cluster, "repeat-rollback")
        if lost.finished:
            assert kept.finished == lost.finished, (lost.finished, kept.finished, kept.status.get("message"))
            repeated.append(lost.finished.removeprefix("rollback "))
    obj = get_migration(bed.cluster, "repeat-rollback")
    assert status(obj)["phase"] == "RolledBack", status(obj)["message"]
    assert repeated == status(obj)["rolledBackPhases"]
    assert {"CreateTags", "CreateFolder", "DisableCVO"} <= set(repeated)
    assert configuration(bed.cluster) == before
    assert vcenter_state(bed.tgt)["categories"] == [] and vcenter_state(bed.tgt)["vm-folders"] == []


def _create(bed: Any, obj: dict[str, Any]) -> Any:
    """Create obj; returns a function that deletes it again."""
    bed.cluster.admin.create(obj)
    meta = obj["metadata"]
    return lambda: bed.cluster.admin.delete(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"))


def _machine_api(kind: str, api: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "openshift-machine-api"},
            "spec": spec}


def _vsphere_volume(bed: Any) -> Any:
    delete = _create(bed, {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pvc-3f1c0b2e"},
                           "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                                    "csi": {"driver": "csi.vsphere.vmware.com", "volumeHandle": "7d1b-ad0c"}}})

    def undo() -> None:  # the pv-protection finalizer stays: no controller manager runs in the test bed
        delete()
        with contextlib.suppress(ApiError):
            bed.cluster.admin.request("PATCH", "/api/v1/persistentvolumes/pvc-3f1c0b2e",
                                      {"metadata": {"finalizers": None}}, content_type="application/merge-patch+json")

    return undo


def _remediation(bed: Any) -> Any:
    undo = [_create(bed, _machine_api("MachineHealthCheck", MS_API, name, {
        "selector": {"matchLabels": {"machine.openshift.io/cluster-api-machine-role": "worker"}},
        "unhealthyConditions": [{"type": "Ready", "status": "False", "timeout": "300s"}]}))
        for name in ("machine-api-termination-handler", "workers-health")]
    undo.append(_create(bed, {"apiVersion": "autoscaling.openshift.io/v1", "kind": "ClusterAutoscaler",
                              "metadata": {"name": "default"}, "spec": {}}))
    undo.append(_create(bed, _machine_api("MachineAutoscaler", "autoscaling.openshift.io/v1beta1", "worker-0", {
        "minReplicas": 1, "maxReplicas": 6,
        "scaleTargetRef": {"apiVersion": MS_API, "kind": "MachineSet", "name": sorted(WORKER_SETS)[0]}})))
    return lambda: [u() for u in undo]


def _csi_driver(state: str, *, degraded: bool) -> Any:
    return lambda bed: set_csi_driver(bed.cluster, state, degraded=degraded) or (lambda: None)


def _two_source_datacenters(bed: Any) -> Any:
    admin = bed.cluster.admin
    infra = admin.get("config.openshift.io/v1", "Infrastructure", "cluster")
    infra["spec"]["platformSpec"]["vsphere"]["vcenters"][0]["datacenters"] = ["DC0", "DC1"]
    admin.request("PUT", admin.path_of(infra), infra)
    return lambda: None  # the next test's seed restores the Infrastructure


PREFLIGHT_REFUSALS: dict[str, tuple[Any, dict[str, Any], str]] = {
    "upgrade in progress": (lambda bed: set_cluster_version(bed.cluster, progressing=True) or (lambda: None), {},
                            "a cluster upgrade is in progress (ClusterVersion Progressing: Working towards 4.18.13"),
    "feature gate off": (lambda bed: set_feature_gate(bed.cluster, enabled=False) or (lambda: None), {},
                         "the VSphereMultiVCenterDay2 feature gate is not enabled on 4.18.12"),
    "vSphere CSI volume": (_vsphere_volume, {}, "1 PersistentVolume(s) on vSphere storage (pvc-3f1c0b2e)"),
    "CSI driver unmanaged": (_csi_driver("Unmanaged", degraded=False), {}, "ClusterCSIDriver csi.vsphere.vmware.com "
                             "is Unmanaged: its operator would not give the driver the target vCenter"),
    "CSI driver degraded": (_csi_driver("Managed", degraded=True), {}, "ClusterCSIDriver csi.vsphere.vmware.com is "
                            "degraded (VMwareVSphereControllerDegraded)"),
    "remediation and autoscaling": (_remediation, {}, "ClusterAutoscaler default, MachineAutoscaler worker-0, "
                                    "MachineHealthCheck workers-health would delete or add Machines"),
    "two source datacenters": (_two_source_datacenters, {}, "spans 2 datacenters (DC0, DC1)"),
    "failure domain name taken": (lambda bed: lambda: None, {"failure_domains": "source-fd"},
                                  "failure domain name(s) source-fd already belong to the source vCenter"),
}


@pytest.mark.parametrize("case", list(PREFLIGHT_REFUSALS))
def test_preflight_refuses_what_a_migration_would_fight_and_changes_nothing(bed: Any, case: str) -> None:
    breaks, spec, message = PREFLIGHT_REFUSALS[case]
    if "failure_domains" in spec:
        spec = {"failure_domains": [failure_domain(bed.tgt, spec["failure_domains"])]}
    start(bed, "refused", mode="Automatic", rollbackOnFailure=False, **spec)
    undo = breaks(bed)
    try:
        before = configuration(bed.cluster)
        obj = drive(bed.cluster, "refused", lambda o: status(o).get("phase") == "Failed")
        assert message in status(obj)["message"], status(obj)["message"]
        assert status(obj)["completedPhases"] == []
        assert "machine-api-termination-handler" not in status(obj)["message"]
        assert configuration(bed.cluster) == before
    finally:
        undo()
    assert not [pv for pv in bed.cluster.admin.list_objects("v1", "PersistentVolume") if
                ((pv["spec"].get("csi") or {}).get("driver")) == "csi.vsphere.vmware.com"], "a volume was left behind"


def _use_target_login(bed: Any, user: str, password: str) -> None:
    admin = bed.cluster.admin
    secret = admin.get("v1", "Secret", TARGET_SECRET, MIGRATION_NAMESPACE)
    secret["data"] = {"username": b64(user), "password": b64(password)}
    admin.request("PUT", admin.path_of(secret), secret)


def test_preflight_names_the_privileges_the_target_user_lacks_and_passes_once_they_are_granted(bed: Any) -> None:
    """vCenter's own privilege check (the simulator evaluates roles and permissions): a user with every privilege
    but two on the datacenter, and none at the root, is refused with what is missing where; with the Admin role
    at the root the same preflight passes."""
    admin_role = [p for p in _admin_privileges(bed) if p not in ("Folder.Create", "Datastore.AllocateSpace")]
    grant(bed.tgt, LIMITED_USER, [("/DC0", admin_role)])
    try:
        start(bed, "privileges", mode="Automatic", rollbackOnFailure=False)
        _use_target_login(bed, LIMITED_USER, LIMITED_PASSWORD)
        before = configuration(bed.cluster)
        message = status(drive(bed.cluster, "privileges", lambda o: status(o).get("phase") == "Failed"))["message"]
        assert "the target vCenter user migrator@vsphere.local lacks privileges" in message, message
        assert "vCenter (root folder): InventoryService.Tagging.CreateCategory" in message
        assert "datacenter DC0: Folder.Create" in message and "Folder.Delete" not in message
        assert "datastore /DC0/datastore/LocalDS_0: Datastore.AllocateSpace" in message
        assert "template" not in message and "network" not in message  # granted through the datacenter
        assert configuration(bed.cluster) == before

        grant(bed.tgt, LIMITED_USER, [("/", None)])
        start(bed, "privileges", mode="Automatic", rollbackOnFailure=False)
        _use_target_login(bed, LIMITED_USER, LIMITED_PASSWORD)
        obj = drive(bed.cluster, "privileges", completed("Preflight"))
        assert "Preflight" in status(obj)["completedPhases"], status(obj)["message"]
    finally:
        grant(bed.tgt, LIMITED_USER, [])
        delete_migrations(bed.cluster)


def _admin_privileges(bed: Any) -> list[str]:
    return list(with_session(bed.tgt, lambda si: next(
        r for r in si.content.authorizationManager.roleList if r.name == "Admin").privilege))


def test_the_folder_carries_the_clusters_ownership_tag_and_a_rollback_removes_both(bed: Any) -> None:
    start(bed, "ownership", mode="Automatic", phaseTimeouts={"CreateWorkers": "2s"})
    drive(bed.cluster, "ownership", completed("CreateFolder"))
    state = vcenter_state(bed.tgt)
    owner = f"openshift-{INFRA_ID}"
    assert f"{owner} (SINGLE)" in state["categories"]
    folder_id = _folder_id(bed, f"/DC0/vm/{INFRA_ID}")
    assert state["tags"][f"{owner}/{INFRA_ID}"] == [f"Folder:{folder_id}"]
    obj = drive(bed.cluster, "ownership", lambda o: status(o).get("phase") in ("RolledBack", "Failed"),
                max_steps=200)
    assert status(obj)["phase"] == "RolledBack", status(obj)["message"]
    assert vcenter_state(bed.tgt) == {"categories": [], "tags": {}, "vm-folders": []}


def test_an_existing_zone_category_is_reused_only_with_single_cardinality(bed: Any) -> None:
    from testenv.vcenter_state import create_category

    wipe_migration_leftovers(bed.tgt)
    create_category(bed.tgt, "openshift-zone", "MULTIPLE", ["ClusterComputeResource"])
    try:
        delete_migrations(bed.cluster)
        seed(bed.cluster, bed.src, bed.tgt)
        bed.cluster.admin.create(migration(bed.tgt, "zone-category", mode="Automatic", rollbackOnFailure=False))
        before = configuration(bed.cluster)
        obj = drive(bed.cluster, "zone-category", lambda o: status(o).get("phase") == "Failed")
        assert "tag category openshift-zone on" in status(obj)["message"]
        assert "allows MULTIPLE tags per object; OpenShift needs exactly one (SINGLE)" in status(obj)["message"]
        assert status(obj)["completedPhases"] == [] and configuration(bed.cluster) == before
        assert vcenter_state(bed.tgt)["categories"] == ["openshift-zone (MULTIPLE)"]
    finally:
        wipe_migration_leftovers(bed.tgt)


def _folder_id(bed: Any, path: str) -> str:
    return str(with_session(bed.tgt, lambda si: si.content.searchIndex.FindByInventoryPath(path)._moId))
