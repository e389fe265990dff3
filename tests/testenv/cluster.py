"""etcd + kube-apiserver on free loopback ports, with RBAC on and an admin identity."""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from testenv.kube import ApiError, KubeClient, Obj
from testenv.pki import Pki, make_pki
from testenv.processes import ServerProcess, binary, free_port

SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc"


@dataclass
class Cluster:
    """A running API server; `admin` is a system:masters client."""

    port: int
    pki: Pki
    admin: KubeClient
    kubeconfig: Path
    processes: list[ServerProcess] = field(default_factory=list)

    def audit_writes(self) -> list[Obj]:
        """Every write the API server has answered so far (audit events, Metadata level), oldest first."""
        log = self.kubeconfig.parent / "audit.log"
        return [json.loads(line) for line in log.read_text().splitlines() if line.strip()] if log.exists() else []

    def client_for_token(self, token: str) -> KubeClient:
        return KubeClient("127.0.0.1", self.port, self.pki.ca_cert, token=token)

    def write_kubeconfig(self, path: Path, *, token: str | None = None) -> Path:
        """A kubeconfig for the admin certificate, or for `token` when given."""
        user: Obj = {"token": token} if token else {
            "client-certificate": str(self.pki.directory / "client-testenv-admin.crt"),
            "client-key": str(self.pki.directory / "client-testenv-admin.key"),
        }
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": "testenv",
            "clusters": [{"name": "testenv", "cluster": {
                "server": f"https://127.0.0.1:{self.port}", "certificate-authority": str(self.pki.ca_cert)}}],
            "users": [{"name": "testenv", "user": user}],
            "contexts": [{"name": "testenv", "context": {"cluster": "testenv", "user": "testenv"}}],
        }
        path.write_text(yaml.safe_dump(config))
        return path

    def service_account_token(self, namespace: str, name: str, *, rules: list[Obj] | None = None,
                              cluster_rules: list[Obj] | None = None) -> str:
        """Create a ServiceAccount with exactly `rules` (namespaced) and `cluster_rules`; return a bound token."""
        self.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        self.admin.apply({"apiVersion": "v1", "kind": "ServiceAccount",
                          "metadata": {"name": name, "namespace": namespace}})
        subject = [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]
        rbac = "rbac.authorization.k8s.io/v1"
        if rules is not None:
            self.admin.apply({"apiVersion": rbac, "kind": "Role", "metadata": {"name": name, "namespace": namespace},
                              "rules": rules})
            self.admin.apply({"apiVersion": rbac, "kind": "RoleBinding",
                              "metadata": {"name": name, "namespace": namespace}, "subjects": subject,
                              "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name}})
        if cluster_rules is not None:
            cluster_name = f"{namespace}:{name}"
            self.admin.apply({"apiVersion": rbac, "kind": "ClusterRole", "metadata": {"name": cluster_name},
                              "rules": cluster_rules})
            self.admin.apply({"apiVersion": rbac, "kind": "ClusterRoleBinding", "metadata": {"name": cluster_name},
                              "subjects": subject, "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                                               "kind": "ClusterRole", "name": cluster_name}})
        request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                   "spec": {"expirationSeconds": 7200}}
        path = f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"
        return str(self.admin.request("POST", path, request)["status"]["token"])

    def install_crds(self, crds: list[Obj], timeout: float = 60.0) -> None:
        """Apply CRDs and wait until each is Established."""
        for crd in crds:
            self.admin.apply(crd)
        deadline = time.monotonic() + timeout
        for crd in crds:
            name = crd["metadata"]["name"]
            while True:
                live = self.admin.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name)
                conditions = {c["type"]: c["status"] for c in (live.get("status") or {}).get("conditions") or []}
                if conditions.get("Established") == "True":
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"CRD {name} not established: {live.get('status')}")
                time.sleep(0.1)
        self.admin.forget_discovery()

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


def _etcd(work: Path) -> tuple[ServerProcess, int]:
    client, peer = free_port(), free_port()
    process = ServerProcess("etcd", [
        str(binary("etcd")), "--name", "testenv", "--data-dir", str(work / "etcd"),
        "--listen-client-urls", f"http://127.0.0.1:{client}", "--advertise-client-urls", f"http://127.0.0.1:{client}",
        "--listen-peer-urls", f"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
        "--initial-cluster", f"testenv=http://127.0.0.1:{peer}", "--unsafe-no-fsync", "--log-level", "warn",
    ], work / "logs")
    def healthy() -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{client}/health", timeout=2) as response:
            return b'"true"' in response.read()

    process.wait_until(healthy)
    return process, client


# Every write, at Metadata level (who, what, when, the answer): tests read who wrote after a moment (audit_writes).
AUDIT_POLICY = """apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
  - level: None
"""


def start_cluster(work: Path) -> Cluster:
    """Start etcd and kube-apiserver under `work`; the caller must call `stop()`."""
    pki = make_pki(work / "pki")
    admin_cert = pki.client("testenv-admin", "system:masters")
    etcd, etcd_port = _etcd(work)
    port = free_port()
    audit_policy = work / "audit-policy.yaml"
    audit_policy.write_text(AUDIT_POLICY)
    apiserver = ServerProcess("kube-apiserver", [
        str(binary("kube-apiserver")), "--etcd-servers", f"http://127.0.0.1:{etcd_port}",
        "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", str(port),
        "--tls-cert-file", str(pki.serving_cert), "--tls-private-key-file", str(pki.serving_key),
        "--client-ca-file", str(pki.ca_cert), "--authorization-mode", "RBAC",
        "--service-account-issuer", SERVICE_ACCOUNT_ISSUER, "--service-account-key-file", str(pki.service_account_pub),
        "--service-account-signing-key-file", str(pki.service_account_key),
        "--service-cluster-ip-range", "10.96.0.0/16", "--allow-privileged=true",
        "--cert-dir", str(work / "apiserver-certs"), "--v", "1",
        "--audit-policy-file", str(audit_policy), "--audit-log-path", str(work / "audit.log"),
        "--audit-log-mode", "blocking", "--audit-log-format", "json",
    ], work / "logs")
    admin = KubeClient("127.0.0.1", port, pki.ca_cert, cert=(admin_cert.cert, admin_cert.key))

    def ready() -> bool:
        try:
            admin.request("GET", "/readyz")
        except ApiError:
            return False
        # RBAC bootstrap roles exist once the poststarthook has run.
        admin.request("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin")
        return True

    try:
        apiserver.wait_until(ready, timeout=120)
    except BaseException:
        etcd.stop()
        raise
    cluster = Cluster(port, pki, admin, work / "kubeconfig", [etcd, apiserver])
    cluster.write_kubeconfig(cluster.kubeconfig)
    return cluster
