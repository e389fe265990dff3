"""The orchestrator's delete pipeline, run the way Kratix runs it: the real entry point, with a token for the
ServiceAccount Kratix derives from the permissions the promise declares, against the real API server."""

from __future__ import annotations

import contextlib
import copy
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, load, request
from testenv.kratix import pipeline_of, pipeline_rbac, service_account_name
from testenv.kube import ApiError

PROMISE = REPO / "promises" / "vcluster-orchestrator-v2" / "promise.yaml"
REQUESTS = "platform-requests"
API = "platform.integratn.tech/v1alpha1"
TENANT_LABEL = {"vcluster.loft.sh/managed-by": "media-x-vcluster-media"}


def _volume(name: str, labels: dict[str, str], claim: str | None = None,
            claim_namespace: str = "vcluster-media") -> dict[str, Any]:
    spec: dict[str, Any] = {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                            "hostPath": {"path": f"/tmp/{name}"}, "persistentVolumeReclaimPolicy": "Retain"}
    if claim:
        spec["claimRef"] = {"namespace": claim_namespace, "name": claim}
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name, "labels": labels},
            "spec": spec}


def _names(api: Any) -> dict[str, bool]:
    """PersistentVolume name → whether its deletion has been requested."""
    return {v["metadata"]["name"]: "deletionTimestamp" in v["metadata"]
            for v in api.admin.list_objects("v1", "PersistentVolume")}


def _release_finalizers(api: Any) -> None:
    """Play the PV-protection controller: a volume no claim holds loses its finalizer once deleted."""
    for volume in api.admin.list_objects("v1", "PersistentVolume"):
        meta = volume["metadata"]
        if "deletionTimestamp" in meta and meta.get("finalizers") and "claimRef" not in volume["spec"]:
            api.admin.request("PATCH", f"/api/v1/persistentvolumes/{meta['name']}", {"metadata": {"finalizers": None}},
                              content_type="application/merge-patch+json")


@pytest.fixture
def volumes(kube_cluster: Any) -> Any:
    for volume in kube_cluster.admin.list_objects("v1", "PersistentVolume"):
        name = volume["metadata"]["name"]
        try:
            kube_cluster.admin.request("PATCH", f"/api/v1/persistentvolumes/{name}", {"metadata": {"finalizers": None}},
                                       content_type="application/merge-patch+json")
            kube_cluster.admin.delete("v1", "PersistentVolume", name)
        except ApiError as error:
            if error.code != 404:  # a volume already marked for deletion goes with its finalizers
                raise
    for volume in (_volume("media-data-0", TENANT_LABEL, claim="data-0"),
                   _volume("media-data-1", TENANT_LABEL, claim="data-1"),
                   _volume("media-unbound", TENANT_LABEL),
                   _volume("media-label-elsewhere", TENANT_LABEL, claim="data", claim_namespace="vcluster-other"),
                   _volume("other-tenant", {"vcluster.loft.sh/managed-by": "other-x-vcluster-other"}),
                   _volume("unlabelled", {})):
        kube_cluster.admin.apply(volume)
    kube_cluster.install_crds([load(PROMISE)["spec"]["api"]])
    for doc in kube_cluster.admin.request("GET", "/apis/platform.integratn.tech/v1alpha1/vclusterorchestratorv2s")[
            "items"]:
        kube_cluster.admin.delete(API, "VClusterOrchestratorV2", doc["metadata"]["name"], doc["metadata"]["namespace"])
    return kube_cluster


def _kratix_identity(api: Any, promise: dict[str, Any], tmp_path: Path, action: str = "delete") -> Path:
    """Apply what Kratix derives from the promise's pipeline; a kubeconfig with that account's token."""
    api.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": REQUESTS}})
    for obj in pipeline_rbac(promise, action, REQUESTS):
        api.admin.apply(obj)
    account = service_account_name(promise, action)
    token = api.admin.request("POST", f"/api/v1/namespaces/{REQUESTS}/serviceaccounts/{account}/token",
                              {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                               "spec": {"expirationSeconds": 3600}})["status"]["token"]
    path: Path = api.write_kubeconfig(tmp_path / f"kubeconfig-{action}", token=token)
    return path


def _run(tmp_path: Path, doc: dict[str, Any], action: str, kubeconfig: Path) -> tuple[int, dict[str, Any], str]:
    root = tmp_path / f"kratix-{action}"
    for sub in ("input", "output", "metadata"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "input" / "object.yaml").write_text(yaml.safe_dump(doc))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBERNETES_")}
    env.update({"KRATIX_ROOT": str(root), "KRATIX_WORKFLOW_ACTION": action, "KRATIX_WORKFLOW_TYPE": "resource",
                "KUBECONFIG": str(kubeconfig), "HOME": str(tmp_path)})
    result = subprocess.run([sys.executable, "-m", "vcluster_platform.pipeline"], env=env, capture_output=True,
                            text=True, timeout=120)
    status = yaml.safe_load((root / "metadata" / "status.yaml").read_text())
    return result.returncode, status, result.stdout + result.stderr


def test_the_delete_pipeline_removes_exactly_the_tenants_volumes(volumes: Any, tmp_path: Path) -> None:
    kubeconfig = _kratix_identity(volumes, load(PROMISE), tmp_path)
    code, status, output = _run(tmp_path, request("media"), "delete", kubeconfig)
    assert code == 0, output
    state = _names(volumes)
    assert state["media-data-0"] and state["media-data-1"]  # deletion requested for both tenant volumes
    assert not any(state[v] for v in ("media-unbound", "media-label-elsewhere", "other-tenant", "unlabelled"))
    assert status["phase"] == "Deleted"
    assert status["persistentVolumes"]["deleted"] == ["media-data-0", "media-data-1"]
    assert status["persistentVolumes"]["terminating"]["media-data-1"] == "bound to claim vcluster-media/data-1"
    assert status["persistentVolumes"]["kept"] == {
        "media-unbound": "not bound to a claim, not in vcluster-media",
        "media-label-elsewhere": "bound to a claim in vcluster-other, not in vcluster-media"}
    assert "stay Terminating until their claims are deleted" in status["message"]


def _live(api: Any, doc: dict[str, Any]) -> dict[str, Any]:
    """Create the request on the API server; what Kratix hands the pipeline (uid and creation time included)."""
    api.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": doc["metadata"]["namespace"]}})
    created: dict[str, Any] = api.admin.create(doc)
    return created


def test_a_request_that_claims_another_tenants_name_deletes_nothing(volumes: Any, tmp_path: Path) -> None:
    """`sneaky` in a team's namespace names the production tenant: its configure run is refused naming the
    holder, and its delete run removes none of the tenant's volumes. The tenant's own delete still works."""
    media = _live(volumes, request("media"))
    time.sleep(1.1)  # creation timestamps have a one-second grain: sneaky is strictly younger
    sneaky = request("sneaky")
    sneaky["metadata"]["namespace"], sneaky["spec"]["name"] = "team-a", "media"
    sneaky = _live(volumes, sneaky)
    configure = _kratix_identity(volumes, load(PROMISE), tmp_path, "configure")
    code, status, output = _run(tmp_path, sneaky, "configure", configure)
    assert code == 2, output
    assert "spec.name" in status["message"] and "platform-requests/media" in status["message"]
    assert not list((tmp_path / "kratix-configure" / "output").rglob("*.yaml"))
    code, status, output = _run(tmp_path, media, "configure", configure)
    assert code == 0 and status["phase"] == "Scheduled", output

    delete = _kratix_identity(volumes, load(PROMISE), tmp_path)
    code, status, output = _run(tmp_path, sneaky, "delete", delete)
    assert code == 0, output
    assert status["phase"] == "Deleted" and "deletes nothing" in status["message"]
    assert "platform-requests/media" in status["message"]
    assert not any(_names(volumes).values())
    code, status, output = _run(tmp_path, media, "delete", delete)
    assert code == 0 and status["persistentVolumes"]["deleted"] == ["media-data-0", "media-data-1"], output


@pytest.mark.parametrize("verb", ["list", "delete"])
def test_a_permission_removed_from_the_promise_is_refused_by_the_api_server(volumes: Any, tmp_path: Path,
                                                                          verb: str) -> None:
    promise = copy.deepcopy(load(PROMISE))
    permission = pipeline_of(promise, "delete")["spec"]["rbac"]["permissions"][0]
    permission["verbs"] = [v for v in permission["verbs"] if v != verb]
    for obj in pipeline_rbac(load(PROMISE), "delete", REQUESTS):  # start from the declared rules each time
        if obj["kind"] == "ClusterRole" and obj["metadata"]["name"].endswith("-0"):
            volumes.admin.apply({**obj, "rules": [{k: v for k, v in permission.items()
                                                   if k != "resourceNamespace"}]})
    kubeconfig = _kratix_identity(volumes, promise, tmp_path)
    code, status, output = _run(tmp_path, request("media"), "delete", kubeconfig)
    assert code == 1, status
    assert "forbidden" in status["message"] and "HTTP 403" in status["message"], status
    assert 'platform.integratn.tech/delete-volumes="false"' in status["message"]
    assert "Traceback" not in output
    assert not any(_names(volumes).values())  # nothing was deleted


def test_an_operator_can_finish_a_blocked_delete_and_keep_the_volumes(volumes: Any, tmp_path: Path) -> None:
    promise = copy.deepcopy(load(PROMISE))
    pipeline_of(promise, "delete")["spec"].pop("rbac")
    kubeconfig = _kratix_identity(volumes, promise, tmp_path)
    doc = request("media")
    doc["metadata"]["annotations"] = {"platform.integratn.tech/delete-volumes": "false"}
    code, status, _output = _run(tmp_path, doc, "delete", kubeconfig)
    assert code == 0 and status["phase"] == "Deleted" and status["persistentVolumes"]["kept"] is True
    assert "kubectl delete pv -l vcluster.loft.sh/managed-by=media-x-vcluster-media" in status["message"]
    assert not any(_names(volumes).values())


def test_a_configure_run_that_cannot_see_the_other_requests_fails_and_says_why(volumes: Any,
                                                                             tmp_path: Path) -> None:
    """Without the list it declares, the configure pipeline cannot know the name is this tenant's: it writes
    nothing and a Failed status naming the permission (Kratix retries)."""
    promise = copy.deepcopy(load(PROMISE))
    pipeline_of(promise, "configure")["spec"].pop("rbac")
    for obj in pipeline_rbac(load(PROMISE), "configure", REQUESTS):
        if obj["kind"] == "ClusterRoleBinding":
            with contextlib.suppress(ApiError):
                volumes.admin.delete(obj["apiVersion"], obj["kind"], obj["metadata"]["name"])
    kubeconfig = _kratix_identity(volumes, promise, tmp_path, "configure")
    code, status, output = _run(tmp_path, request("media"), "configure", kubeconfig)
    assert code == 1, output
    assert status["phase"] == "Failed" and "HTTP 403" in status["message"]
    assert "list on them" in status["message"] and "Traceback" not in output
    assert not list((tmp_path / "kratix-configure" / "output").rglob("*.yaml"))


def test_the_pipelines_declare_only_what_they_use() -> None:
    declared = {}
    for path in sorted((REPO / "promises").glob("*/promise.yaml")):
        promise = load(path)
        for action in ("configure", "delete"):
            rbac = pipeline_of(promise, action)["spec"].get("rbac")
            if rbac:
                declared[(path.parent.name, action)] = rbac["permissions"]
    list_requests = {"apiGroups": ["platform.integratn.tech"], "resources": ["vclusterorchestratorv2s"],
                     "verbs": ["list"], "resourceNamespace": "*"}
    assert declared == {
        ("vcluster-orchestrator-v2", "configure"): [list_requests],
        ("vcluster-orchestrator-v2", "delete"): [{
            "apiGroups": [""], "resources": ["persistentvolumes"], "verbs": ["get", "list", "delete"],
            "resourceNamespace": "*"}, list_requests]}


def test_the_api_server_refuses_what_the_delete_identity_was_not_given(volumes: Any, tmp_path: Path) -> None:
    kubeconfig = yaml.safe_load(_kratix_identity(volumes, load(PROMISE), tmp_path).read_text())
    client = volumes.client_for_token(kubeconfig["users"][0]["user"]["token"])
    with pytest.raises(ApiError) as error:
        client.list_objects("v1", "Secret", REQUESTS)
    assert error.value.code == 403
