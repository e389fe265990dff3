"""Phases 1-7 and their rollback, reconciled in-process against a real API server and two vCenter simulators."""

from __future__ import annotations

import base64
import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from conftest import SHARED
from testenv.migration import delete_migrations, drive, get_migration, in_process_bed, status, vsphere_session
from testenv.openshift import (
    INFRA_ID,
    MIGRATION_NAMESPACE,
    configuration,
    failure_domain,
    migration,
    openshift_crds,
    seed,
    set_operator,
)

INFRA_CRD = "infrastructures.config.openshift.io"


@pytest.fixture(scope="module")
def bed(kube_cluster: Any, vcsim_factory: Any) -> Iterator[Any]:
    yield in_process_bed(kube_cluster, vcsim_factory, SHARED, "phases", "127.0.0.21", "127.0.0.22")
    kube_cluster.install_crds(openshift_crds(SHARED))  # leave the Default Infrastructure CRD behind


def start(bed: Any, name: str, **kwargs: Any) -> None:
    """A fresh cluster and one new migration (earlier ones are deleted: only one may be in progress)."""
    delete_migrations(bed.cluster)
    seed(bed.cluster, bed.src, bed.tgt)
    bed.cluster.admin.create(migration(bed.tgt, name, **kwargs))


def target_inventory(bed: Any) -> dict[str, Any]:
    si = vsphere_session(bed.tgt)
    try:
        folder = si.content.searchIndex.FindByInventoryPath(f"/DC0/vm/{INFRA_ID}")
        return {"folder": folder is not None}
    finally:
        si.content.sessionManager.Logout()


def test_a_timed_out_phase_rolls_back_everything_before_it_to_exactly_the_backups(bed: Any) -> None:
    # No cluster simulator here: nobody creates Machines, so CreateWorkers times out after 2 s.
    start(bed, "auto", mode="Automatic", phaseTimeouts={"CreateWorkers": "2s"})
    before = configuration(bed.cluster)
    obj = drive(bed.cluster, "auto", lambda o: status(o).get("phase") in ("RolledBack", "Failed"), max_steps=200)
    st = status(obj)
    assert st["phase"] == "RolledBack", st["message"]
    assert st["completedPhases"] == ["Preflight", "Backup", "DisableCVO", "UpdateSecrets", "CreateTags",
                                     "CreateFolder", "UpdateInfrastructure", "UpdateConfig", "RestartPods",
                                     "MonitorHealth"]
    failed = [r for r in st["phaseHistory"] if r["result"] == "Failed"]
    assert [r["name"] for r in failed] == ["CreateWorkers"]
    assert "CreateWorkers timed out after 2s: waiting for Machines Running" in failed[0]["message"]
    rolled = [r["name"] for r in st["phaseHistory"] if r["result"] == "RolledBack"]
    assert rolled == ["CreateWorkers", "MonitorHealth", "RestartPods", "UpdateConfig", "UpdateInfrastructure",
                      "CreateFolder", "CreateTags", "UpdateSecrets", "DisableCVO", "Backup", "Preflight"]
    # field by field: Infrastructure, cloud config, credentials, CPMS, MachineSets, CVO
    assert configuration(bed.cluster) == before
    assert target_inventory(bed) == {"folder": False}
    assert "createdTags" not in st["recorded"]
    per_phase = {r["name"]: r["vsphereCalls"] for r in st["phaseHistory"] if r["result"] == "Succeeded"}
    assert per_phase["Preflight"] > 0 and per_phase["CreateTags"] > 0 and per_phase["DisableCVO"] == 0


def test_preflight_names_every_missing_target_path_and_changes_nothing(bed: Any) -> None:
    broken = failure_domain(bed.tgt)
    broken["topology"] = {**broken["topology"], "datastore": "/DC0/datastore/missing-ds",
                          "networks": ["VM Network", "storage-net"]}
    start(bed, "bad-paths", mode="Automatic", failure_domains=[broken], rollbackOnFailure=False)
    before = configuration(bed.cluster)
    obj = drive(bed.cluster, "bad-paths", lambda o: status(o).get("phase") == "Failed")
    message = status(obj)["message"]
    assert "datastore /DC0/datastore/missing-ds does not exist on vCenter" in message
    assert "network 'storage-net' does not exist in datacenter DC0" in message
    assert configuration(bed.cluster) == before


def test_preflight_refuses_a_degraded_operator(bed: Any) -> None:
    start(bed, "degraded", mode="Automatic", rollbackOnFailure=False)
    set_operator(bed.cluster, "storage", available=True, degraded=True)
    obj = drive(bed.cluster, "degraded", lambda o: status(o).get("phase") == "Failed")
    assert "storage is Degraded" in status(obj)["message"]


def test_a_wrong_target_ca_bundle_fails_tls_verification(bed: Any) -> None:
    start(bed, "bad-ca", mode="Automatic", rollbackOnFailure=False)
    admin = bed.cluster.admin
    admin.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "target-vcenter-ca",
                 "namespace": MIGRATION_NAMESPACE}, "data": {"ca-bundle.crt": bed.src.ca_bundle.read_text()}})
    obj = drive(bed.cluster, "bad-ca", lambda o: status(o).get("phase") == "Failed")
    message = status(obj)["message"]
    address = bed.tgt.host if bed.tgt.port == 443 else f"{bed.tgt.host}:{bed.tgt.port}"
    assert f"cannot reach vCenter {address}: " in message and "CERTIFICATE_VERIFY_FAILED" in message, message


def _install_infrastructure_variant(bed: Any, variant: str, mutate: Any = None) -> None:
    crd = next(c for c in openshift_crds(SHARED, variant) if c["metadata"]["name"] == INFRA_CRD)
    if mutate:
        crd = copy.deepcopy(crd)
        mutate(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"][
            "platformSpec"]["properties"]["vsphere"]["properties"]["vcenters"])
    bed.cluster.install_crds([crd])


def _through_update_infrastructure(bed: Any, name: str) -> dict[str, Any]:
    start(bed, name, mode="Automatic", rollbackOnFailure=False)
    return drive(bed.cluster, name, lambda o: "UpdateInfrastructure" in status(o).get("completedPhases", [])
                 or status(o).get("phase") == "Failed")


def test_update_infrastructure_on_the_tech_preview_crd_adds_only(bed: Any) -> None:
    _install_infrastructure_variant(bed, "TechPreviewNoUpgrade")
    obj = _through_update_infrastructure(bed, "techpreview")
    assert "UpdateInfrastructure" in status(obj)["completedPhases"], status(obj)["message"]
    infra = bed.cluster.admin.get("config.openshift.io/v1", "Infrastructure", "cluster")
    assert [v["server"] for v in infra["spec"]["platformSpec"]["vsphere"]["vcenters"]] == [bed.src.host, bed.tgt.host]


def test_a_release_that_allows_one_vcenter_fails_naming_the_feature_gate(bed: Any) -> None:
    _install_infrastructure_variant(bed, "Default", lambda vcenters: vcenters.update(maxItems=1))
    obj = _through_update_infrastructure(bed, "one-vcenter")
    message = status(obj)["message"]
    assert status(obj)["phase"] == "Failed"
    assert "UpdateInfrastructure failed" in message and "at most 1 vCenter" in message
    assert "VSphereMultiVCenterDay2" in message


def test_a_cel_rule_refusing_day_2_vcenters_is_reported_with_its_message(bed: Any) -> None:
    rule = {"rule": "size(self) <= size(oldSelf)", "message": "adding a vCenter after installation is not supported"}
    _install_infrastructure_variant(bed, "Default", lambda v: v.setdefault("x-kubernetes-validations", []).append(rule))
    before = bed.cluster.admin.get("config.openshift.io/v1", "Infrastructure", "cluster")["spec"]
    obj = _through_update_infrastructure(bed, "cel-day2")
    message = status(obj)["message"]
    assert "adding a vCenter after installation is not supported" in message and "VSphereMultiVCenterDay2" in message
    vsphere = bed.cluster.admin.get("config.openshift.io/v1", "Infrastructure", "cluster")["spec"]
    assert vsphere == before or len(vsphere["platformSpec"]["vsphere"]["vcenters"]) == 1
    _install_infrastructure_variant(bed, "Default")


def test_credentials_never_reach_status_events_or_logs(bed: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="vsphere_migration")
    start(bed, "secrets", mode="Automatic")
    obj = drive(bed.cluster, "secrets", lambda o: "UpdateSecrets" in status(o).get("completedPhases", []))
    text = json.dumps(obj) + caplog.text
    events = bed.cluster.admin.list_objects("v1", "Event", MIGRATION_NAMESPACE)
    text += json.dumps(events)
    for secret in (bed.src.password, bed.tgt.password, base64.b64encode(bed.tgt.password.encode()).decode()):
        assert secret not in text
    assert "password=<redacted>" in caplog.text  # the Login call is logged, its password is not
    backup = bed.cluster.admin.get("v1", "Secret", "secrets-backup-credentials", MIGRATION_NAMESPACE)
    stored = yaml.safe_load(base64.b64decode(next(iter(backup["data"].values()))).decode())
    assert base64.b64decode(stored["data"][f"{bed.src.host}.password"]).decode() == bed.src.password
    assert get_migration(bed.cluster, "secrets")["metadata"]["uid"] == \
        backup["metadata"]["ownerReferences"][0]["uid"]


def inventory(vcenter: Any) -> list[tuple[str, str]]:
    """Every managed entity (type, name) of a vCenter: what 'nothing changed in the vCenter' compares."""
    from pyVmomi import vim

    si = vsphere_session(vcenter)
    try:
        view = si.content.viewManager.CreateContainerView(si.content.rootFolder, [vim.ManagedEntity], True)
        try:
            return sorted((type(e).__name__, e.name) for e in view.view)
        finally:
            view.Destroy()
    finally:
        si.content.sessionManager.Logout()


def _replace_secret(admin: Any, data: dict[str, str]) -> None:
    admin.delete("v1", "Secret", "target-vcenter-credentials", MIGRATION_NAMESPACE)
    admin.create({"apiVersion": "v1", "kind": "Secret", "data": data,
                  "metadata": {"name": "target-vcenter-credentials", "namespace": MIGRATION_NAMESPACE}})


def _topology(bed: Any, **changes: Any) -> list[dict[str, Any]]:
    fd = failure_domain(bed.tgt)
    fd["topology"] = {**fd["topology"], **changes}
    return [fd]


WRONG_FOR_THE_CLUSTER = [
    ("unknown datacenter", lambda bed: {"failure_domains": _topology(
        bed, datacenter="DC9", computeCluster="/DC9/host/DC0_C0", datastore="/DC9/datastore/LocalDS_0",
        resourcePool="/DC9/host/DC0_C0/Resources", template="/DC9/vm/rhcos-template")}, None,
     "datacenter /DC9 does not exist on vCenter"),
    ("unknown cluster", lambda bed: {"failure_domains": _topology(
        bed, computeCluster="/DC0/host/no-such-cluster", resourcePool=None)}, None,
     "computeCluster /DC0/host/no-such-cluster does not exist on vCenter"),
    ("unknown template", lambda bed: {"failure_domains": _topology(bed, template="/DC0/vm/no-template")}, None,
     "template /DC0/vm/no-template does not exist on vCenter"),
    ("unknown network", lambda bed: {"failure_domains": _topology(bed, networks=["no-such-net"])}, None,
     "network 'no-such-net' does not exist in datacenter DC0"),
    ("credentials Secret missing", lambda bed: {}, lambda admin: admin.delete(
        "v1", "Secret", "target-vcenter-credentials", MIGRATION_NAMESPACE), "target-vcenter-credentials"),
    ("credentials without a password", lambda bed: {}, lambda admin: _replace_secret(admin, {
        "username": base64.b64encode(b"administrator@vsphere.local").decode()}),
     "keys username and password are required"),
    ("a vCenter answering with another certificate", lambda bed: {}, "other-ca", "certificate verify failed"),
    ("wrong credentials", lambda bed: {}, lambda admin: admin.apply({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "target-vcenter-credentials",
                                                           "namespace": MIGRATION_NAMESPACE},
        "data": {"username": base64.b64encode(b"administrator@vsphere.local").decode(),
                 "password": base64.b64encode(b"not-the-password").decode()}}), "login"),
]


@pytest.mark.parametrize(("case", "spec", "break_cluster", "message"), WRONG_FOR_THE_CLUSTER,
                         ids=[c[0] for c in WRONG_FOR_THE_CLUSTER])
def test_a_spec_wrong_for_the_cluster_fails_clearly_and_changes_nothing(bed: Any, case: str, spec: Any,
                                                                        break_cluster: Any, message: str) -> None:
    name = "wrong-" + case.replace(" ", "-").lower()[:40]
    delete_migrations(bed.cluster)
    seed(bed.cluster, bed.src, bed.tgt)
    kwargs = {k: v for k, v in spec(bed).items() if k != "failure_domains"}
    fds = spec(bed).get("failure_domains")
    if fds:
        for fd in fds:
            fd["topology"] = {k: v for k, v in fd["topology"].items() if v is not None}
    bed.cluster.admin.create(migration(bed.tgt, name, mode="Automatic", rollbackOnFailure=False,
                                       failure_domains=fds, **kwargs))
    if break_cluster == "other-ca":  # the target's CA bundle is the source's: the target's certificate fails
        bed.cluster.admin.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
            "name": "target-vcenter-ca", "namespace": MIGRATION_NAMESPACE},
            "data": {"ca-bundle.crt": bed.src.ca_bundle.read_text()}})
    elif break_cluster:
        break_cluster(bed.cluster.admin)
    before = (configuration(bed.cluster), inventory(bed.src), inventory(bed.tgt))
    obj = drive(bed.cluster, name, lambda o: status(o).get("phase") == "Failed")
    st = status(obj)
    assert message in st["message"], st["message"]
    assert st["completedPhases"] == []
    assert (configuration(bed.cluster), inventory(bed.src), inventory(bed.tgt)) == before
    condition = {c["type"]: c for c in st["conditions"]}["Failed"]
    assert condition["status"] == "True" and condition["reason"] == "PreflightFailed"
    assert message in condition["message"]


@pytest.mark.parametrize("count", [0, 33])
def test_an_empty_or_oversized_failure_domain_list_is_refused_by_the_api_server(bed: Any, count: int) -> None:
    doc = migration(bed.tgt, f"fds-{count}")
    doc["spec"]["failureDomains"] = [failure_domain(bed.tgt, f"fd-{i}", f"zone-{i}") for i in range(count)]
    from testenv.kube import ApiError

    with pytest.raises(ApiError) as error:
        bed.cluster.admin.create(doc)
    assert error.value.code == 422 and "spec.failureDomains" in error.value.message


def target_tag_categories(bed: Any) -> list[str]:
    """The tag category names on the target vCenter, read over its Automation REST API."""
    from vsphere_migration.vsphere.calllog import CallLog
    from vsphere_migration.vsphere.client import Endpoint, VSphereClient

    endpoint = Endpoint(bed.tgt.host, bed.tgt.port, bed.tgt.ca_bundle.read_text(), False)
    with VSphereClient(endpoint, bed.tgt.username, bed.tgt.password, CallLog()) as client:
        return sorted(name for name in ("openshift-region", "openshift-zone") if client.find_category(name))


PREVIOUS = {"DisableCVO": "Backup", "CreateTags": "UpdateSecrets", "CreateFolder": "CreateTags"}


@pytest.mark.parametrize("phase", sorted(PREVIOUS))
def test_a_kill_between_a_side_effect_and_its_status_write_still_rolls_back(bed: Any, phase: str) -> None:
    """The reproduction: run the phase, lose its status write (as a killed controller would), run it again
    from the persisted status, then roll back. The original state returns: CVO replicas, no tags, no folder."""
    from testenv.migration import controller_cluster
    from vsphere_migration.reconcile import reconcile
    from vsphere_migration.vsphere.calllog import CallLog

    name = f"kill-{phase.lower()}"
    start(bed, name, mode="Automatic", rollbackOnFailure=False, phaseTimeouts={"CreateWorkers": "1h"})
    before = (configuration(bed.cluster), target_inventory(bed), target_tag_categories(bed))
    drive(bed.cluster, name, lambda o: PREVIOUS[phase] in status(o).get("completedPhases", []))
    lost = reconcile(get_migration(bed.cluster, name), controller_cluster(bed.cluster.kubeconfig), CallLog())
    assert phase in lost.status["completedPhases"]  # the side effect happened; its status write is dropped
    obj = drive(bed.cluster, name, lambda o: phase in status(o).get("completedPhases", []))
    assert status(obj)["phase"] == "Running"
    bed.cluster.admin.request("PATCH", bed.cluster.admin.path(
        "migration.openshift.io/v1alpha1", "VmwareCloudFoundationMigration", name, MIGRATION_NAMESPACE),
        {"spec": {"state": "Rollback"}}, content_type="application/merge-patch+json")
    obj = drive(bed.cluster, name, lambda o: status(o).get("phase") in ("RolledBack", "Failed"), max_steps=120)
    assert status(obj)["phase"] == "RolledBack", status(obj)["message"]
    assert (configuration(bed.cluster), target_inventory(bed), target_tag_categories(bed)) == before
    assert before[0]["cvo-replicas"] == 1
