"""The tenant owner's commands on the real API server (`kubeconfig`, `status --wait`), as an owner with only
the RBAC they need: get on the request, get on the one kubeconfig Secret. Refusals included."""

from __future__ import annotations

import base64
import io
import json
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, SHARED, load
from vcluster_platform.cli import main

REQUESTS_NS, TENANT_NS, SECRET = "platform-requests", "vcluster-media", "vcluster-media-kubeconfig"
API = "platform.integratn.tech/v1alpha1"
TENANT_CONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "vcluster",
    "clusters": [{"name": "vcluster", "cluster": {"server": "https://media.integratn.tech:443",
                                                  "certificate-authority-data": "Q0E="}}],
    "users": [{"name": "admin", "user": {"client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ"}}],
    "contexts": [{"name": "vcluster", "context": {"cluster": "vcluster", "user": "admin"}}],
}
RBAC = "rbac.authorization.k8s.io/v1"


def _grant(api: Any, account: tuple[str, str], namespace: str, rule: dict[str, Any]) -> None:
    name = f"{account[1]}-{namespace}"
    api.admin.apply({"apiVersion": RBAC, "kind": "Role", "metadata": {"name": name, "namespace": namespace},
                     "rules": [rule]})
    api.admin.apply({"apiVersion": RBAC, "kind": "RoleBinding", "metadata": {"name": name, "namespace": namespace},
                     "subjects": [{"kind": "ServiceAccount", "name": account[1], "namespace": account[0]}],
                     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name}})


def _status(api: Any, name: str, status: dict[str, Any]) -> None:
    path = f"/apis/{API}/namespaces/{REQUESTS_NS}/vclusterorchestratorv2s/{name}/status"
    api.admin.request("PATCH", path, {"status": status}, content_type="application/merge-patch+json")


@pytest.fixture(scope="module")
def tenant(kube_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Requests `media` (Ready, Secret synced) and `fresh` (Progressing, no Secret yet); kubeconfigs of the host
    for an owner with exactly the command's permissions and for one without the Secret's."""
    api = kube_cluster
    api.install_crds([load(REPO / "promises" / "vcluster-orchestrator-v2" / "promise.yaml")["spec"]["api"]])
    for namespace in (REQUESTS_NS, TENANT_NS, "team-media"):
        api.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    for name, phase in (("media", "Ready"), ("fresh", "Progressing")):
        api.admin.apply({"apiVersion": API, "kind": "VClusterOrchestratorV2",
                         "metadata": {"name": name, "namespace": REQUESTS_NS}, "spec": {"name": name}})
        _status(api, name, {"phase": phase, "vcluster": {"name": name, "namespace": f"vcluster-{name}"},
                            "credentials": {"kubeconfigSecret": f"vcluster-{name}-kubeconfig"}})
    api.admin.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": SECRET, "namespace": TENANT_NS},
                     "data": {"kubeconfig": base64.b64encode(yaml.safe_dump(TENANT_CONFIG).encode()).decode()}})
    work = tmp_path_factory.mktemp("owners")
    configs = {}
    for who, secret_access in (("owner", True), ("viewer", False)):
        account = ("team-media", who)
        token = api.service_account_token(*account, rules=[])
        _grant(api, account, REQUESTS_NS, {"apiGroups": ["platform.integratn.tech"],
                                           "resources": ["vclusterorchestratorv2s"], "verbs": ["get"]})
        if secret_access:
            for namespace in (TENANT_NS, "vcluster-fresh"):
                api.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
                _grant(api, account, namespace, {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"],
                                                 "resourceNames": [f"{namespace}-kubeconfig"]})
        configs[who] = api.write_kubeconfig(work / f"{who}.yaml", token=token)
    yield configs
    for request in api.admin.list_objects(API, "VClusterOrchestratorV2", REQUESTS_NS):  # leave no tenant behind
        api.admin.delete(API, "VClusterOrchestratorV2", request["metadata"]["name"], REQUESTS_NS)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    return tmp_path


def test_the_default_is_a_private_file_per_tenant(tenant: dict[str, Path], home: Path) -> None:
    code, out, err = run("kubeconfig", "media", "--kubeconfig", str(tenant["owner"]))
    assert code == 0, err
    written = home / ".kube" / "media.yaml"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    config = yaml.safe_load(written.read_text())
    assert config["current-context"] == "media"
    assert config["clusters"] == [{"name": "media", "cluster": TENANT_CONFIG["clusters"][0]["cluster"]}]
    assert config["users"] == [{"name": "media", "user": TENANT_CONFIG["users"][0]["user"]}]
    assert str(written) in out and "S0VZ" not in out + err  # the key never reaches the terminal


def test_only_dash_prints_it(tenant: dict[str, Path], home: Path) -> None:
    code, out, _ = run("kubeconfig", "media", "-o", "-", "--context", "media-prod", "--kubeconfig",
                       str(tenant["owner"]))
    assert code == 0 and yaml.safe_load(out)["contexts"][0]["name"] == "media-prod"
    assert not (home / ".kube").exists()


def test_merge_replaces_an_older_entry_and_keeps_everything_else(tenant: dict[str, Path], home: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    mine = home / "config"
    mine.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "work",
        "clusters": [{"name": "work", "cluster": {"server": "https://work:6443"}},
                     {"name": "media", "cluster": {"server": "https://old-media:443"}}],
        "users": [{"name": "work", "user": {"token": "w"}}, {"name": "media", "user": {"token": "stale"}}],
        "contexts": [{"name": "work", "context": {"cluster": "work", "user": "work"}},
                     {"name": "media", "context": {"cluster": "media", "user": "media"}}]}))
    monkeypatch.setenv("KUBECONFIG", f"{mine}:{home / 'other'}")
    code, out, err = run("kubeconfig", "media", "--merge", "--kubeconfig", str(tenant["owner"]))
    assert code == 0, err
    assert f"merged context media into {mine}" in out
    config = yaml.safe_load(mine.read_text())
    assert config["current-context"] == "work"
    assert [c["name"] for c in config["clusters"]] == ["work", "media"]
    assert config["clusters"][1]["cluster"]["server"] == "https://media.integratn.tech:443"
    assert {u["name"]: u["user"] for u in config["users"]}["work"] == {"token": "w"}
    assert "stale" not in mine.read_text() and stat.S_IMODE(mine.stat().st_mode) == 0o600


def test_a_tenant_that_is_not_ready_yet_says_so(tenant: dict[str, Path], home: Path) -> None:
    code, _, err = run("kubeconfig", "fresh", "--kubeconfig", str(tenant["owner"]))
    assert code == 1
    assert "Secret vcluster-fresh/vcluster-fresh-kubeconfig is not there yet: the tenant is Progressing" in err
    assert not (home / ".kube").exists()


def test_a_refused_read_names_the_permission_it_needs(tenant: dict[str, Path], home: Path) -> None:
    code, _, err = run("kubeconfig", "media", "--kubeconfig", str(tenant["viewer"]))
    assert code == 2
    assert "reading Secret vcluster-media/vcluster-media-kubeconfig is refused (HTTP 403" in err
    assert "it needs get on secrets in namespace vcluster-media (resourceNames: vcluster-media-kubeconfig)" in err


def test_a_request_that_does_not_exist(tenant: dict[str, Path], home: Path) -> None:
    code, _, err = run("kubeconfig", "nope", "--kubeconfig", str(tenant["owner"]))
    assert code == 2 and "no VClusterOrchestratorV2 platform-requests/nope" in err


def _flip_later(api: Any, name: str, phases: list[tuple[str, str]], delay: float = 1.5) -> threading.Thread:
    def flip() -> None:
        for phase, message in phases:
            time.sleep(delay)
            _status(api, name, {"phase": phase, "message": message})
    thread = threading.Thread(target=flip)
    thread.start()
    return thread


@pytest.mark.parametrize(("end", "code"), [("Ready", 0), ("Failed", 1)])
def test_wait_follows_the_live_status_to_its_end(kube_cluster: Any, tenant: dict[str, Path], end: str,
                                                 code: int) -> None:
    _status(kube_cluster, "fresh", {"phase": "Scheduled", "message": "rendered 40 objects"})
    flipper = _flip_later(kube_cluster, "fresh", [("Progressing", "1/3 pods ready"), (end, f"it is {end}")])
    try:
        result, out, err = run("status", "fresh", "--wait", "--timeout", "60", "--interval", "0.2",
                               "--kubeconfig", str(tenant["owner"]))
    finally:
        flipper.join()
        _status(kube_cluster, "fresh", {"phase": "Progressing", "message": "waiting"})
    assert result == code, err
    phases = [line.split()[1] for line in out.splitlines()]
    assert phases == ["Scheduled", "Progressing", end]


def test_wait_gives_up_at_its_timeout(tenant: dict[str, Path]) -> None:
    code, out, err = run("status", "fresh", "--wait", "--timeout", "1", "--kubeconfig", str(tenant["owner"]))
    assert code == 1 and "timed out after 1 s: platform-requests/fresh is Progressing" in err
    assert out.count("\n") == 1


def test_wait_needs_a_name_and_an_existing_request(tenant: dict[str, Path]) -> None:
    assert run("status", "--wait", "--kubeconfig", str(tenant["owner"]))[0] == 2
    code, _, err = run("status", "nope", "--wait", "--kubeconfig", str(tenant["owner"]))
    assert code == 2 and "no VClusterOrchestratorV2 platform-requests/nope" in err


def test_list_shows_every_tenant_the_user_may_see(kube_cluster: Any, tenant: dict[str, Path]) -> None:
    code, out, err = run("list", "-n", REQUESTS_NS, "--kubeconfig", str(tenant["owner"]))
    assert code == 2 and "it needs list on vclusterorchestratorv2s (in namespace platform-requests)" in err
    admin = kube_cluster.write_kubeconfig(tenant["owner"].parent / "admin.yaml")
    _status(kube_cluster, "media", {"endpoints": {"api": "https://media.integratn.tech:443"},
                                    "health": {"workloads": {"ready": 3, "total": 3}},
                                    "vcluster": {"preset": "prod"}})
    code, out, err = run("list", "-n", REQUESTS_NS, "--kubeconfig", str(admin))
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split() == ["NAMESPACE", "NAME", "PHASE", "READY", "PODS", "API", "PRESET", "AGE"]
    media = next(r.split() for r in rows if " media " in f" {r} ")
    assert media[:6] == ["platform-requests", "media", "Ready", "3/3", "https://media.integratn.tech:443", "prod"]
    code, out, _ = run("list", "-o", "json", "--kubeconfig", str(admin))
    listed = {r["name"]: r for r in json.loads(out)}
    assert listed["media"]["readyPods"] == "3/3" and listed["fresh"]["phase"] == "Progressing"
    assert yaml.safe_load(run("list", "-o", "yaml", "--kubeconfig", str(admin))[1]) == json.loads(out)


ARGO_API = "argoproj.io/v1alpha1"


def _play_kratix_and_argocd(api: Any, outcome: dict[str, str], stop: threading.Event, seen: list[str]) -> None:
    """Kratix picks up a manual reconciliation (removes the label); ArgoCD runs each requested operation to the
    phase `outcome` names for that Application, recording the order it saw them."""
    requests = f"/apis/{API}/namespaces/{REQUESTS_NS}/vclusterorchestratorv2s/media"
    while not stop.is_set():
        labels = api.admin.request("GET", requests)["metadata"].get("labels") or {}
        if "kratix.io/manual-reconciliation" in labels:
            seen.append("pipeline")
            api.admin.request("PATCH", requests, {"metadata": {"labels": {"kratix.io/manual-reconciliation": None}}},
                              content_type="application/merge-patch+json")
        for app in api.admin.list_objects(ARGO_API, "Application", "argocd"):
            if app.get("operation"):
                name = app["metadata"]["name"]
                seen.append(name)
                started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                api.admin.request("PATCH", f"/apis/{ARGO_API}/namespaces/argocd/applications/{name}", {
                    "operation": None, "status": {"operationState": {
                        "operation": app["operation"], "phase": outcome.get(name, "Succeeded"),
                        "startedAt": started, "message": "done"}}},
                    content_type="application/merge-patch+json")
        time.sleep(0.1)


@pytest.fixture
def argocd(kube_cluster: Any, tenant: dict[str, Path]) -> Any:
    api = kube_cluster
    api.install_crds([load(SHARED / "schemas" / "argocd" / "application-crd.yaml")])
    api.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "argocd"}})
    for name in ("vcluster-media", "vcluster-media-workloads"):
        api.admin.apply({"apiVersion": ARGO_API, "kind": "Application", "metadata": {"name": name,
                                                                                      "namespace": "argocd"},
                         "spec": {"project": "vcluster-media", "destination": {
                             "server": "https://kubernetes.default.svc", "namespace": TENANT_NS}}})
    _status(api, "media", {"application": "vcluster-media", "applicationNamespace": "argocd"})
    account = ("team-media", "owner")
    _grant(api, account, REQUESTS_NS, {"apiGroups": ["platform.integratn.tech"],
                                       "resources": ["vclusterorchestratorv2s"], "verbs": ["get", "patch"]})
    _grant(api, account, "argocd", {"apiGroups": ["argoproj.io"], "resources": ["applications"],
                                    "verbs": ["get", "patch"]})
    return api


@pytest.mark.parametrize(("outcome", "code", "synced"), [
    ({}, 0, ["pipeline", "vcluster-media", "vcluster-media-workloads"]),
    ({"vcluster-media": "Failed"}, 1, ["pipeline", "vcluster-media"]),
], ids=["succeeds", "control-plane-fails"])
def test_sync_reruns_the_pipeline_then_the_control_plane_then_the_workloads(
        argocd: Any, tenant: dict[str, Path], outcome: dict[str, str], code: int, synced: list[str]) -> None:
    stop, seen = threading.Event(), []
    player = threading.Thread(target=_play_kratix_and_argocd, args=(argocd, outcome, stop, seen))
    player.start()
    try:
        result, out, err = run("sync", "media", "--wait", "--timeout", "60", "--interval", "0.1",
                               "--kubeconfig", str(tenant["owner"]))
    finally:
        stop.set()
        player.join()
    assert result == code, out + err
    assert seen == synced  # the workloads are not asked for while (or if) the control plane's sync fails
    assert "asked Kratix to re-run the pipeline of platform-requests/media" in out
    assert f"argocd/vcluster-media: {outcome.get('vcluster-media', 'Succeeded')}" in out


def test_sync_without_the_permission_names_it(argocd: Any, tenant: dict[str, Path]) -> None:
    code, _, err = run("sync", "media", "--only", "pipeline", "--kubeconfig", str(tenant["viewer"]))
    assert code == 2
    assert "it needs patch on vclusterorchestratorv2s.platform.integratn.tech in platform-requests" in err


def _volume(name: str, claim_namespace: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": {"vcluster.loft.sh/managed-by": "media-x-vcluster-media"}},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                     "hostPath": {"path": f"/tmp/{name}"}, "persistentVolumeReclaimPolicy": "Retain",
                     "claimRef": {"namespace": claim_namespace, "name": "data"}}}


@pytest.fixture
def admin(kube_cluster: Any, tenant: dict[str, Path]) -> Path:
    """The admin's kubeconfig, two of the tenant's volumes (one bound elsewhere), and throwaway requests."""
    for volume in (_volume("media-data", TENANT_NS), _volume("media-elsewhere", "vcluster-other")):
        kube_cluster.admin.apply(volume)
    for name in ("old", "typed"):
        kube_cluster.admin.apply({"apiVersion": API, "kind": "VClusterOrchestratorV2",
                                  "metadata": {"name": name, "namespace": REQUESTS_NS},
                                  "spec": {"name": "media", "targetNamespace": TENANT_NS}})
    path: Path = kube_cluster.write_kubeconfig(tenant["owner"].parent / "admin.yaml")
    return path


def _exists(api: Any, name: str) -> bool:
    return any(r["metadata"]["name"] == name for r in api.admin.list_objects(API, "VClusterOrchestratorV2",
                                                                                 REQUESTS_NS))


def test_delete_shows_what_goes_and_needs_a_confirmation(kube_cluster: Any, admin: Path) -> None:
    code, out, err = run("delete", "old", "--apply", "--kubeconfig", str(admin))
    assert code == 2 and "pass --yes" in err and _exists(kube_cluster, "old")
    assert "PersistentVolume   media-data  (its data is lost)" in out and "media-elsewhere" not in out
    assert "host namespace     vcluster-media and everything in it" in out


def test_delete_apply_removes_the_request_and_waits_until_it_is_gone(kube_cluster: Any, admin: Path) -> None:
    code, out, err = run("delete", "old", "--apply", "--yes", "--wait", "--timeout", "30", "--interval", "0.2",
                         "--kubeconfig", str(admin))
    assert code == 0, err
    assert "deleted platform-requests/old" in out and not _exists(kube_cluster, "old")


def test_delete_gitops_removes_only_the_file(kube_cluster: Any, admin: Path, tmp_path: Path) -> None:
    file = tmp_path / "typed.yaml"
    file.write_text(yaml.safe_dump({"apiVersion": API, "kind": "VClusterOrchestratorV2", "spec": {"name": "media"},
                                    "metadata": {"name": "typed", "namespace": REQUESTS_NS}}))
    wrong = tmp_path / "other.yaml"
    wrong.write_text(file.read_text().replace("name: typed", "name: other"))
    assert run("delete", "typed", "--file", str(wrong), "--yes", "--kubeconfig", str(admin))[0] == 2
    code, out, _ = run("delete", "typed", "--file", str(file), "--yes", "--kubeconfig", str(admin))
    assert code == 0 and f"removed {file}" in out
    assert not file.exists() and wrong.exists() and _exists(kube_cluster, "typed")


@pytest.mark.parametrize(("typed", "code"), [("typo", 1), ("typed", 0)])
def test_delete_on_a_terminal_asks_for_the_name(kube_cluster: Any, admin: Path, typed: str, code: int) -> None:
    """Driven through a pseudo-terminal, as a person at a shell would."""
    import os
    import pty
    import subprocess
    import sys

    main_fd, child_fd = pty.openpty()
    cli = Path(sys.executable).parent / "vcluster-platform"
    process = subprocess.Popen([str(cli), "delete", "typed", "--apply", "--kubeconfig", str(admin)],
                               stdin=child_fd, stdout=child_fd, stderr=child_fd, close_fds=True)
    os.close(child_fd)
    seen = b""
    while b"to delete it:" not in seen:
        seen += os.read(main_fd, 4096)
    os.write(main_fd, f"{typed}\n".encode())
    assert process.wait(timeout=60) == code
    os.close(main_fd)
    assert _exists(kube_cluster, "typed") is (code != 0)
    assert b"PersistentVolume   media-data" in seen


def test_create_apply_refuses_a_name_another_request_holds_and_waits_for_ready(kube_cluster: Any,
                                                                                tenant: dict[str, Path],
                                                                                tmp_path: Path) -> None:
    admin = kube_cluster.write_kubeconfig(tmp_path / "admin.yaml")
    code, _, err = run("create", "media", "-n", "team-media", "--preset", "dev", "--apply",
                       "--kubeconfig", str(admin))
    assert code == 2 and "is already the tenant of request platform-requests/media" in err
    kube_cluster.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-media"}})
    def ready_later() -> None:  # play the pipeline and the status reconciler, a moment after the request exists
        path = f"/apis/{API}/namespaces/team-media/vclusterorchestratorv2s/newbie"
        deadline = time.monotonic() + 60
        while not any(r["metadata"]["name"] == "newbie" for r in kube_cluster.admin.list_objects(
                API, "VClusterOrchestratorV2", "team-media")) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)
        kube_cluster.admin.request("PATCH", f"{path}/status", {"status": {
            "phase": "Ready", "message": "vCluster newbie is ready"}}, content_type="application/merge-patch+json")

    flipper = threading.Thread(target=ready_later)
    flipper.start()
    try:
        code, out, err = run("create", "newbie", "-n", "team-media", "--preset", "dev", "--apply", "--wait",
                             "--timeout", "60", "--interval", "0.2", "--kubeconfig", str(admin))
    finally:
        flipper.join()
        kube_cluster.admin.delete(API, "VClusterOrchestratorV2", "newbie", "team-media")
    assert code == 0, err
    assert "created team-media/newbie" in out and "Ready" in out.splitlines()[-1]
