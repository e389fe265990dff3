"""The trust boundary, tried as a tenant and as a platform admin on the real API server with the shipped
admission policy (promises/vcluster-orchestrator-v2/admission.yaml), and through the pipeline's real entry
point as its second line.

A tenant is a ServiceAccount that may write VClusterOrchestratorV2 requests in its own namespace only; an admin
one that may write them in the admin namespace (platform-requests). Each hostile class is refused by admission
for the tenant, naming the field; wherever the pipeline can judge it alone it refuses it too, whoever sent it.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ORCHESTRATOR_EXAMPLES, REPO, SHARED, load
from testenv.kube import ApiError, KubeClient

PROMISE = REPO / "promises" / "vcluster-orchestrator-v2"
ADMIN_NS, TENANT_NS = "platform-requests", "team-a"
API = "platform.integratn.tech/v1alpha1"
RULES = [{"apiGroups": ["platform.integratn.tech"], "resources": ["vclusterorchestratorv2s"],
          "verbs": ["get", "list", "create", "update", "patch", "delete"]}]


def tenant_request(name: str = "team-a-dev", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": API, "kind": "VClusterOrchestratorV2",
            "metadata": {"name": name, "namespace": TENANT_NS}, "spec": {"name": name, **spec}}


def helm(values: dict[str, Any]) -> dict[str, Any]:
    return {"vcluster": {"helmOverrides": values}}


# (class, spec fields, what admission's message names ("|" between fragments that must all appear), the field
# path the pipeline names, or None when only the requester's identity can decide it)
HOSTILE: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("argocd-source", {"argocdApplication": {"repoURL": "https://charts.evil.example.com", "chart": "pwn"}},
     "spec.argocdApplication.repoURL", "spec.argocdApplication.repoURL"),
    ("argocd-destination", {"argocdApplication": {"destinationServer": "https://prod-cluster.example.com:6443"}},
     "spec.argocdApplication.destinationServer", "spec.argocdApplication.destinationServer"),
    ("helm-cluster-rbac", helm({"rbac": {"clusterRole": {"enabled": True, "extraRules": [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}}}), "spec.vcluster.helmOverrides: rbac", None),
    ("helm-host-secrets", helm({"sync": {"fromHost": {"secrets": {"enabled": True, "mappings": {
        "byName": {"kube-system/*": "stolen/*"}}}}}}), "spec.vcluster.helmOverrides.sync.fromHost: secrets", None),
    ("helm-host-manifests", helm({"experimental": {"deploy": {"host": {"manifests": "kind: ClusterRoleBinding"}}}}),
     "spec.vcluster.helmOverrides: experimental", None),
    ("helm-privileged-root", helm({"controlPlane": {"statefulSet": {"security": {"containerSecurityContext": {
        "privileged": True, "runAsUser": 0}}, "persistence": {"addVolumes": [
            {"name": "host", "hostPath": {"path": "/"}}]}}}}),
     "spec.vcluster.helmOverrides.controlPlane.statefulSet: |persistence|security", None),
    ("helm-foreign-image", helm({"controlPlane": {"statefulSet": {"image": {
        "registry": "evil.example.com", "repository": "vcluster", "tag": "1.0"}}}}),
     "spec.vcluster.helmOverrides.controlPlane.statefulSet: image",
     "spec.vcluster.helmOverrides.controlPlane.statefulSet.image"),
    ("etcd-image-and-flags", {"vcluster": {"backingStore": {"etcd": {"deploy": {"enabled": True, "statefulSet": {
        "image": {"registry": "evil.example.com", "repository": "etcd", "tag": "3.6.8-0"},
        "extraArgs": ["--client-cert-auth=false"]}}}}}},
     "spec.vcluster.backingStore.etcd.deploy.statefulSet: |extraArgs|image",
     "spec.vcluster.backingStore.etcd.deploy.statefulSet.image"),
    ("namespace-taken", {"targetNamespace": "cert-manager"}, "spec.targetNamespace", "spec.targetNamespace"),
    ("project-taken", {"projectName": "vcluster-media"}, "spec.projectName", "spec.projectName"),
    ("connect-elsewhere", {"integrations": {"onePassword": {"connectHost": "http://collector.evil.example.com"}}},
     "spec.integrations.onePassword", "spec.integrations.onePassword.connectHost"),
    ("connect-token-item", {"integrations": {"onePassword": {"connectTokenKey": "other-team-token"}}},
     "spec.integrations.onePassword", None),
    ("secret-store", {"integrations": {"externalSecrets": {"clusterSecretStoreName": "vault-admin"}}},
     "spec.integrations.externalSecrets.clusterSecretStoreName", None),
    ("issuer", {"integrations": {"certManager": {"issuerName": "cluster-root-ca", "issuerKind": "ClusterIssuer"}}},
     "spec.integrations.certManager.issuerName", None),
    ("isolation-off", {"networkPolicies": {"baseline": False}}, "spec.networkPolicies.baseline", None),
    ("privileged-pods", {"vcluster": {"podSecurity": "privileged"}}, "spec.vcluster.podSecurity: privileged", None),
    ("egress-catch-all", {"networkPolicies": {"extraEgress": [
        {"name": "everything", "cidr": "0.0.0.0/0", "port": 22}]}},
     "spec.networkPolicies.extraEgress: everything 0.0.0.0/0", "spec.networkPolicies.extraEgress[0].cidr"),
    ("nfs-catch-all", {"networkPolicies": {"enableNFS": True, "nfsCIDR": "0.0.0.0/1"}},
     "spec.networkPolicies.nfsCIDR", "spec.networkPolicies.nfsCIDR"),
    ("hostname-hijack", {"exposure": {"hostname": "argocd.integratn.tech"}}, "spec.exposure.hostname: "
     "argocd.integratn.tech: a tenant's API hostname is team-a-dev.integratn.tech", None),
    ("reserved-cluster-label", {"integrations": {"argocd": {"clusterLabels": {"enable_argocd": "false"}}}},
     "spec.integrations.argocd.clusterLabels: enable_argocd",
     "spec.integrations.argocd.clusterLabels.enable_argocd"),
]

# What a tenant may set: sizing, its own chart values under the safe paths, narrow egress, its own labels.
BENIGN = tenant_request(
    targetNamespace="vcluster-team-a-dev",
    vcluster={"preset": "prod", "podSecurity": "restricted", "helmOverrides": {
        "controlPlane": {"statefulSet": {"resources": {"requests": {"cpu": "250m"}}}},
        "integrations": {"metricsServer": {"enabled": True}}},
        "backingStore": {"etcd": {"deploy": {"enabled": True, "statefulSet": {"highAvailability": {"replicas": 3}}}}}},
    networkPolicies={"enableNFS": True, "extraEgress": [{"name": "db", "cidr": "10.0.3.0/24", "port": 5432}]},
    integrations={"argocd": {"clusterLabels": {"team": "a"}}},
)


@pytest.fixture(scope="module")
def boundary(kube_cluster: Any) -> dict[str, KubeClient]:
    """The promise's CRD and admission policy installed; a tenant's and an admin's clients."""
    promise = load(PROMISE / "promise.yaml")
    kube_cluster.install_crds([promise["spec"]["api"]])
    kube_cluster.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kratix-platform-system"}})
    for obj in yaml.safe_load_all((PROMISE / "admission.yaml").read_text()):
        kube_cluster.admin.apply(obj)
    clients = {
        "tenant": kube_cluster.client_for_token(kube_cluster.service_account_token(TENANT_NS, "tenant", rules=RULES)),
        "admin": kube_cluster.client_for_token(kube_cluster.service_account_token(ADMIN_NS, "admin", rules=RULES)),
    }
    _wait_until_enforced(clients["tenant"])
    return clients


def _wait_until_enforced(tenant: KubeClient, timeout: float = 60.0) -> None:
    """The API server compiles a new policy asynchronously: wait until a known-hostile request is refused."""
    probe = tenant_request(targetNamespace="kube-system")
    deadline = time.monotonic() + timeout
    while True:
        try:
            tenant.create(probe, dry_run=True)
        except ApiError as error:
            if error.code == 403 and "spec.targetNamespace" in error.message:
                return
        if time.monotonic() > deadline:
            raise TimeoutError("the admission policy was not enforced in time")
        time.sleep(0.2)


def _refusal(client: KubeClient, doc: dict[str, Any]) -> str | None:
    """None when the API server admits `doc` (dry run), else its message."""
    try:
        client.create(doc, dry_run=True)
        return None
    except ApiError as error:
        assert error.code == 403 and "ValidatingAdmissionPolicy" in error.message, error.message
        return error.message


def _pipeline_paths(render: Any, doc: dict[str, Any]) -> str:
    code, out = render(doc)
    status = (Path(out) / "metadata" / "status.yaml").read_text()
    return status if code == 2 else ""


@pytest.mark.parametrize(("spec", "path"), [(c[1], c[2]) for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_a_tenant_is_refused_by_admission_naming_the_field(boundary: dict[str, KubeClient], spec: dict[str, Any],
                                                           path: str) -> None:
    message = _refusal(boundary["tenant"], tenant_request(**copy.deepcopy(spec)))
    assert message is not None, "admitted"
    for fragment in path.split("|"):
        assert fragment in message
    assert "platform admin" in message or "the platform sets" in message


@pytest.mark.parametrize(("spec", "path"), [(c[1], c[3]) for c in HOSTILE if c[3]],
                         ids=[c[0] for c in HOSTILE if c[3]])
def test_the_pipeline_refuses_what_it_can_judge_alone(render: Any, spec: dict[str, Any], path: str) -> None:
    """Whoever sent it, an admin included: admission bypassed or not installed changes nothing here."""
    doc = tenant_request(**copy.deepcopy(spec))
    doc["metadata"]["namespace"] = ADMIN_NS
    status = _pipeline_paths(render, doc)
    assert path in status, status or "rendered"


def test_an_admin_may_send_what_a_tenant_may_not(boundary: dict[str, KubeClient]) -> None:
    """Admission is about who: every hostile class passes admission from the admin namespace (the pipeline's
    allow-lists still apply to those it can judge)."""
    for _, spec, _, _ in HOSTILE:
        doc = tenant_request(**copy.deepcopy(spec))
        doc["metadata"]["namespace"] = ADMIN_NS
        assert _refusal(boundary["admin"], doc) is None, spec


def test_every_real_request_and_example_passes_as_the_admins(boundary: dict[str, KubeClient], render: Any) -> None:
    docs = [load(p) for p in [*ORCHESTRATOR_EXAMPLES, SHARED / "examples" / "real" / "vcluster-media.yaml"]]
    for doc in docs:
        assert doc["metadata"]["namespace"] == ADMIN_NS
        assert _refusal(boundary["admin"], doc) is None, doc["metadata"]["name"]
        assert render(doc)[0] == 0, doc["metadata"]["name"]


def test_the_production_request_sent_by_a_tenant_is_refused(boundary: dict[str, KubeClient]) -> None:
    """The media request uses admin-only levers (etcd image and flags, host volume mounts): from a tenant's
    namespace it is refused, naming them."""
    doc = load(SHARED / "examples" / "real" / "vcluster-media.yaml")
    doc["metadata"]["namespace"] = TENANT_NS
    message = _refusal(boundary["tenant"], doc)
    assert message is not None
    assert "spec.argocdApplication.repoURL" in message


def test_a_tenant_may_set_what_the_boundary_leaves_to_it(boundary: dict[str, KubeClient], render: Any) -> None:
    assert _refusal(boundary["tenant"], copy.deepcopy(BENIGN)) is None
    assert render(copy.deepcopy(BENIGN))[0] == 0


def test_a_tenant_cannot_move_its_default_hostname_to_another_domain(boundary: dict[str, KubeClient]) -> None:
    elsewhere = tenant_request()
    elsewhere["metadata"]["annotations"] = {"platform.integratn.tech/base-domain": "bank.example.com"}
    message = _refusal(boundary["tenant"], elsewhere)
    assert message is not None and "metadata.annotations.platform.integratn.tech/base-domain" in message
    for allowed in ("", "integratn.tech"):
        doc = tenant_request(exposure={"hostname": "api.team-a-dev.integratn.tech"})
        doc["metadata"]["annotations"] = {"platform.integratn.tech/base-domain": allowed}
        assert _refusal(boundary["tenant"], doc) is None


def test_a_tenant_cannot_write_into_the_admin_namespace(boundary: dict[str, KubeClient]) -> None:
    """RBAC, not the policy, keeps tenants out of the admin namespace: the policy relies on it."""
    doc = tenant_request()
    doc["metadata"]["namespace"] = ADMIN_NS
    with pytest.raises(ApiError) as refused:
        boundary["tenant"].create(doc, dry_run=True)
    assert refused.value.code == 403
    assert "ValidatingAdmissionPolicy" not in refused.value.message


def test_a_request_admitted_earlier_is_never_stuck_on_metadata_updates(boundary: dict[str, KubeClient],
                                                                       kube_cluster: Any) -> None:
    """Kratix adds finalizers and labels to requests: an update that leaves the spec alone is not judged, so a
    tenant request admitted before a stricter policy still gets its finalizer (and can be deleted)."""
    doc = tenant_request("team-a-old", networkPolicies={"baseline": False})
    kube_cluster.admin.request("DELETE", "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/"
                               "vcluster-orchestrator-v2-tenant-boundary")
    try:
        created = _create_when_unenforced(boundary["tenant"], doc)
    finally:
        for obj in yaml.safe_load_all((PROMISE / "admission.yaml").read_text()):
            kube_cluster.admin.apply(obj)
        _wait_until_enforced(boundary["tenant"])
    created["metadata"]["finalizers"] = ["kratix.io/workflows-cleanup"]
    boundary["tenant"].request("PUT", boundary["tenant"].path_of(created), created)
    spec_change = boundary["tenant"].get(API, "VClusterOrchestratorV2", "team-a-old", TENANT_NS)
    spec_change["spec"]["networkPolicies"]["baseline"] = False
    spec_change["spec"]["vcluster"] = {"preset": "prod"}
    with pytest.raises(ApiError) as refused:
        boundary["tenant"].request("PUT", boundary["tenant"].path_of(spec_change), spec_change)
    assert "spec.networkPolicies.baseline" in refused.value.message
    moved = boundary["tenant"].get(API, "VClusterOrchestratorV2", "team-a-old", TENANT_NS)
    moved["metadata"].setdefault("annotations", {})["platform.integratn.tech/base-domain"] = "bank.example.com"
    with pytest.raises(ApiError) as refused:  # a metadata-only update that moves the hostname is judged
        boundary["tenant"].request("PUT", boundary["tenant"].path_of(moved), moved)
    assert refused.value.code == 403 and "ValidatingAdmissionPolicy" in refused.value.message
    kube_cluster.admin.request("PATCH", boundary["tenant"].path_of(created), {"metadata": {"finalizers": None}},
                               content_type="application/merge-patch+json")
    boundary["tenant"].delete(API, "VClusterOrchestratorV2", "team-a-old", TENANT_NS)


def _create_when_unenforced(client: KubeClient, doc: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.create(doc)
        except ApiError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
