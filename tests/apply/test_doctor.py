"""`vcluster-platform doctor` on the real API server: a setup missing pieces gets a ✗ and a fix for each, a
complete one passes every check, and a user with little access learns which permission each command needs."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, SHARED, load
from vcluster_platform.cli import main

PROMISES = REPO / "promises"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def checks(kubeconfig: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    code, out, err = run("doctor", "-o", "json", "--kubeconfig", str(kubeconfig))
    assert code in (0, 1), err
    return code, {c["name"]: c for c in json.loads(out)}


def _crds(*relative: str) -> list[dict[str, Any]]:
    return [load(SHARED / "schemas" / r) for r in relative]


@pytest.fixture(scope="module")
def admin(kube_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    kube_cluster.install_crds([load(PROMISES / "vcluster-orchestrator-v2" / "promise.yaml")["spec"]["api"]])
    path: Path = kube_cluster.write_kubeconfig(tmp_path_factory.mktemp("doctor") / "admin.yaml")
    return path


def test_a_setup_missing_pieces_gets_a_fix_for_each(kube_cluster: Any, admin: Path) -> None:
    kube_cluster.install_crds(_crds("kratix/platform.kratix.io_promises.yaml"))
    stale = yaml.safe_load((PROMISES / "vcluster-orchestrator-v2" / "promise.yaml").read_text())
    for pipelines in stale["spec"]["workflows"]["resource"].values():
        pipelines[0]["spec"]["containers"][0]["image"] = "ghcr.io/integratn/platform/vcluster-orchestrator-v2:v0.0.9"
    kube_cluster.admin.apply(stale)
    code, found = checks(admin)
    assert code == 1
    assert found["cluster"]["ok"] and found["CRD vclusterorchestratorv2s.platform.integratn.tech"]["ok"]
    assert found["CRD certificates.cert-manager.io"]["fix"] == "install cert-manager"
    stale_check = found["promise vcluster-orchestrator-v2"]
    assert not stale_check["ok"] and "v0.0.9" in stale_check["detail"] and "this CLI expects" in stale_check["detail"]
    assert found["promise argocd-project"]["fix"] == "kubectl apply -f promises/argocd-project/promise.yaml"
    assert found["status reconciler"]["fix"] == "kubectl apply -f deploy/vcluster-status/"
    assert all(found[name]["ok"] for name in found if name.startswith("may "))  # the admin may do everything
    text = run("doctor", "--kubeconfig", str(admin))[1]
    assert "✗ CRD certificates.cert-manager.io: cert-manager is missing\n    fix: install cert-manager" in text


def test_a_complete_setup_passes_every_check(kube_cluster: Any, admin: Path) -> None:
    kube_cluster.install_crds(_crds("argocd/application-crd.yaml", "cert-manager/cert-manager.io_certificates.yaml",
                                    "external-secrets/external-secrets.io_externalsecrets.yaml"))
    for name in ("vcluster-orchestrator-v2", "argocd-project", "argocd-application"):
        promise = load(PROMISES / name / "promise.yaml")
        kube_cluster.install_crds([promise["spec"]["api"]])
        kube_cluster.admin.apply(promise)
    for obj in yaml.safe_load_all((REPO / "deploy" / "vcluster-status" / "namespace.yaml").read_text()):
        kube_cluster.admin.apply(obj)
    deployment = next(d for d in yaml.safe_load_all((REPO / "deploy" / "vcluster-status" / "deployment.yaml")
                                                    .read_text()) if d and d["kind"] == "Deployment")
    kube_cluster.admin.apply(deployment)
    kube_cluster.admin.request(  # play the Deployment controller: one replica ready
        "PATCH", "/apis/apps/v1/namespaces/vcluster-status/deployments/vcluster-status-reconciler/status",
        {"status": {"replicas": 1, "readyReplicas": 1}}, content_type="application/merge-patch+json")
    api = "/apis/platform.integratn.tech/v1alpha1/namespaces/platform-requests/vclusterorchestratorv2s"
    kube_cluster.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "platform-requests"}})
    kube_cluster.admin.apply({"apiVersion": "platform.integratn.tech/v1alpha1", "kind": "VClusterOrchestratorV2",
                              "metadata": {"name": "doctor", "namespace": "platform-requests"},
                              "spec": {"name": "doctor"}})
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    kube_cluster.admin.request("PATCH", f"{api}/doctor/status", {"status": {"lastReconciled": now}},
                               content_type="application/merge-patch+json")  # play the reconciler's last pass
    try:
        code, found = checks(admin)
    finally:
        kube_cluster.admin.delete("platform.integratn.tech/v1alpha1", "VClusterOrchestratorV2", "doctor",
                                  "platform-requests")
    assert [name for name, c in found.items() if not c["ok"]] == [] and code == 0


def test_a_user_with_little_access_learns_what_each_command_needs(kube_cluster: Any, admin: Path,
                                                                  tmp_path: Path) -> None:
    token = kube_cluster.service_account_token("team-doctor", "reader", rules=[])
    user = kube_cluster.write_kubeconfig(tmp_path / "reader.yaml", token=token)
    code, found = checks(user)
    assert code == 1 and found["cluster"]["ok"]
    may_list = found["may status / list"]
    assert not may_list["ok"]
    assert may_list["fix"] == ("ask a platform admin for a Role with list on "
                               "vclusterorchestratorv2s.platform.integratn.tech in namespace platform-requests")
    assert "could not be checked" in found["crd_checks"]["detail"]  # reading CRDs is refused, and said so
