"""The etcd certificate merge program against a real API server, with exactly the identity the pipeline
renders for it (ServiceAccount, Role, RoleBinding applied from the render, a bound token for that account).

cert-manager is played by the test: it writes the server and peer Secrets as cert-manager does
(kubernetes.io/tls with tls.crt, tls.key, ca.crt).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ORCHESTRATOR_EXAMPLES, load
from testenv.kube import ApiError
from vcluster_platform.pipeline.configure import render_request
from vcluster_platform.sync_script import KIT, KIT_FILE, MERGE_SCRIPT

EXAMPLE = next(p for p in ORCHESTRATOR_EXAMPLES if p.stem == "etcd-tls")
NS = "vcluster-ledger"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _tls_secret(name: str, generation: int, ca: str = "CA-1") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": name, "namespace": NS},
            "data": {"tls.crt": _b64(f"{name} certificate {generation}"), "tls.key": _b64(f"{name} key {generation}"),
                     "ca.crt": _b64(ca)}}


@pytest.fixture(scope="module")
def merge(kube_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(run(**env) → CompletedProcess, rendered merge Job, token) with the rendered RBAC applied."""
    _settings, objects = render_request(load(EXAMPLE))
    admin = kube_cluster.admin
    admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    identity = [o for o in objects if o["kind"] in ("ServiceAccount", "Role", "RoleBinding")
                and o["metadata"]["name"] == "ledger-etcd-certs-merge"]
    assert len(identity) == 3
    for obj in identity:
        admin.apply(obj)
    token = admin.request("POST", f"/api/v1/namespaces/{NS}/serviceaccounts/ledger-etcd-certs-merge/token",
                          {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                           "spec": {"expirationSeconds": 3600}})["status"]["token"]
    work = tmp_path_factory.mktemp("merge")
    sa_dir = work / "sa"
    sa_dir.mkdir()
    (sa_dir / "token").write_text(token)
    (sa_dir / "ca.crt").write_text(Path(kube_cluster.pki.ca_cert).read_text())
    script = work / "merge_etcd_certs.py"
    script.write_text(MERGE_SCRIPT)
    (work / KIT_FILE).write_text(KIT)
    job = next(o for o in objects if o["kind"] == "Job" and "etcd-merge" in o["metadata"]["name"])
    job_env = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}

    def run(**extra: str) -> subprocess.CompletedProcess[str]:
        env = {**job_env, "SA_DIR": str(sa_dir), "KUBERNETES_API_URL": f"https://127.0.0.1:{kube_cluster.port}",
               "MERGE_BACKOFF_SECONDS": "0.05", "PATH": os.environ["PATH"], **extra}
        return subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)

    return run, job, kube_cluster.client_for_token(token)


def _secret(admin: Any, name: str) -> dict[str, Any]:
    return dict(admin.get("v1", "Secret", name, NS))


def test_waits_for_cert_manager_then_creates_replaces_and_leaves_alone(kube_cluster: Any, merge: Any) -> None:
    run, _job, _client = merge
    admin = kube_cluster.admin
    admin.apply(_tls_secret("ledger-etcd-server", 1))
    waiting = run(MERGE_ATTEMPTS="2")  # the peer certificate is not issued yet
    assert waiting.returncode == 1 and "ledger-etcd-peer: HTTP 404" in waiting.stderr
    with pytest.raises(ApiError):
        _secret(admin, "ledger-etcd-certs")

    admin.apply(_tls_secret("ledger-etcd-peer", 1))
    first = run()
    assert first.returncode == 0 and "created" in first.stdout, first.stderr
    merged = _secret(admin, "ledger-etcd-certs")
    decoded = {k: base64.b64decode(v).decode() for k, v in merged["data"].items()}
    assert decoded == {"etcd-ca.crt": "CA-1", "etcd-server.crt": "ledger-etcd-server certificate 1",
                       "etcd-server.key": "ledger-etcd-server key 1", "etcd-peer.crt": "ledger-etcd-peer certificate 1",
                       "etcd-peer.key": "ledger-etcd-peer key 1"}

    again = run()
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert _secret(admin, "ledger-etcd-certs")["metadata"]["resourceVersion"] == merged["metadata"]["resourceVersion"]

    admin.apply(_tls_secret("ledger-etcd-server", 2))  # cert-manager renewed the server certificate
    admin.apply(_tls_secret("ledger-etcd-peer", 2))
    renewed = run()
    assert renewed.returncode == 0 and "updated" in renewed.stdout
    data = _secret(admin, "ledger-etcd-certs")["data"]
    assert base64.b64decode(data["etcd-server.crt"]).decode() == "ledger-etcd-server certificate 2"
    for output in (waiting, first, again, renewed):
        assert "key 1" not in output.stdout + output.stderr and "key 2" not in output.stdout + output.stderr


def test_a_renewal_half_way_through_is_not_merged(kube_cluster: Any, merge: Any) -> None:
    run, _job, _client = merge
    kube_cluster.admin.apply(_tls_secret("ledger-etcd-peer", 3, ca="CA-1"))
    kube_cluster.admin.apply(_tls_secret("ledger-etcd-server", 3, ca="CA-2"))
    result = run(MERGE_ATTEMPTS="2")
    assert result.returncode == 1 and "different CAs" in result.stderr
    kube_cluster.admin.apply(_tls_secret("ledger-etcd-peer", 3, ca="CA-2"))
    assert run().returncode == 0


def test_the_identity_reaches_exactly_its_own_secrets(kube_cluster: Any, merge: Any) -> None:
    _run, _job, client = merge
    kube_cluster.admin.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ledger-etcd-ca",
                                                                                "namespace": NS},
                              "data": {"tls.key": _b64("the CA's private key")}})
    with pytest.raises(ApiError) as error:
        client.get("v1", "Secret", "ledger-etcd-ca", NS)  # the CA key is never readable by the Job
    assert error.value.code == 403
    with pytest.raises(ApiError) as listing:
        client.list_objects("v1", "Secret", NS)
    assert listing.value.code == 403
    with pytest.raises(ApiError) as other:
        client.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": NS}})
    assert other.value.code == 403


def test_the_rendered_job_runs_hardened(merge: Any) -> None:
    _run, job, _client = merge
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["serviceAccountName"] == "ledger-etcd-certs-merge" and pod["automountServiceAccountToken"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["runAsUser"] == 65532
    assert "@sha256:" in container["image"] or ":" in container["image"].rsplit("/", 1)[-1]
