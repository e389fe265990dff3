"""Apply tier: a real kube-apiserver judges our CRDs, requests, rendered objects and promises."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ARGOCD_EXAMPLES, ORCHESTRATOR_EXAMPLES, REPO, SHARED, load, rendered_objects
from testenv.kube import ApiError

PROMISE_FILES = sorted((REPO / "promises").glob("*/promise.yaml"))
REQUEST_NAMESPACE = "platform-requests"
ARGOCD_REQUEST_KINDS = {"ArgoCDProject", "ArgoCDApplication"}


def upstream_crds() -> list[dict[str, Any]]:
    """Every CRD in shared/schemas/ (ArgoCD, ESO, cert-manager, Gateway API, Kratix, OpenShift Default)."""
    docs = []
    for path in sorted((SHARED / "schemas").rglob("*.yaml")):
        if "TechPreviewNoUpgrade" in path.name:
            continue  # same CRD name as the Default variant; the migration tests install it on their own
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == "CustomResourceDefinition"]
    return docs


def our_crds() -> list[dict[str, Any]]:
    return [load(path)["spec"]["api"] for path in PROMISE_FILES]


@pytest.fixture(scope="module")
def api(kube_cluster: Any) -> Any:
    """The test cluster with every CRD installed and the namespace requests live in."""
    kube_cluster.install_crds(upstream_crds() + our_crds())
    kube_cluster.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": REQUEST_NAMESPACE}})
    return kube_cluster


def test_every_crd_is_established(api: Any) -> None:
    names = {c["metadata"]["name"] for c in upstream_crds() + our_crds()}
    live = {c["metadata"]["name"]: c for c in api.admin.list_objects("apiextensions.k8s.io/v1",
                                                                        "CustomResourceDefinition")}
    assert names <= set(live)
    for crd in our_crds():
        conditions = {c["type"]: c for c in live[crd["metadata"]["name"]]["status"]["conditions"]}
        assert conditions["NamesAccepted"]["status"] == "True"
        assert conditions.get("NonStructuralSchema", {}).get("status") != "True"


@pytest.mark.parametrize("example", ORCHESTRATOR_EXAMPLES + ARGOCD_EXAMPLES, ids=lambda p: p.stem)
def test_example_requests_are_accepted(api: Any, example: Path) -> None:
    doc = load(example)
    doc["metadata"]["namespace"] = REQUEST_NAMESPACE
    created = api.admin.create(doc)
    try:
        assert created["spec"] == doc["spec"]  # nothing pruned, nothing defaulted by the server
    finally:
        api.admin.delete(doc["apiVersion"], doc["kind"], doc["metadata"]["name"], REQUEST_NAMESPACE)


INVALID_REQUESTS = [
    ("unknown field", {"bogus": True}, 'unknown field "spec.bogus"'),
    ("missing name", {"name": None}, "spec.name: Required value"),
    ("name pattern", {"name": "Media_Prod"}, "spec.name: Invalid value"),
    ("name too long", {"name": "a" * 39}, "spec.name: Too long"),
    ("preset enum", {"vcluster": {"preset": "huge"}}, 'spec.vcluster.preset: Unsupported value: "huge"'),
    ("replicas range", {"vcluster": {"replicas": 12}}, "spec.vcluster.replicas: Invalid value: 12"),
    ("replicas type", {"vcluster": {"replicas": "three"}}, "spec.vcluster.replicas: Invalid value"),
    ("k8s version pattern", {"vcluster": {"k8sVersion": "1.34"}}, "spec.vcluster.k8sVersion: Invalid value"),
    ("memory quantity", {"vcluster": {"resources": {"requests": {"memory": "lots"}}}},
     "spec.vcluster.resources.requests.memory: Invalid value"),
]


@pytest.mark.parametrize(("case", "patch", "message"), INVALID_REQUESTS, ids=[c[0] for c in INVALID_REQUESTS])
def test_invalid_requests_are_rejected_by_the_api_server(api: Any, case: str, patch: dict[str, Any],
                                                         message: str) -> None:
    doc = load(ORCHESTRATOR_EXAMPLES[0])
    doc["metadata"] = {"name": "invalid", "namespace": REQUEST_NAMESPACE}
    for key, value in patch.items():
        if value is None:
            doc["spec"].pop(key)
        elif isinstance(value, dict):
            doc["spec"].setdefault(key, {}).update(value)
        else:
            doc["spec"][key] = value
    with pytest.raises(ApiError) as error:
        api.admin.create(doc)
    assert error.value.code in (400, 422), error.value.message
    assert message in error.value.message


def _pipeline_objects(render: Any, examples: list[Path]) -> list[dict[str, Any]]:
    """What the pipelines render for the examples, including the argocd promises' output for each request."""
    objects: list[dict[str, Any]] = []
    pending = [load(path) for path in examples]
    while pending:
        code, out = render(pending.pop())
        assert code == 0
        for obj in rendered_objects(out):
            if obj["kind"] in ARGOCD_REQUEST_KINDS:
                request = copy.deepcopy(obj)
                request["metadata"].setdefault("namespace", REQUEST_NAMESPACE)
                pending.append(request)
            objects.append(obj)
    return objects


def test_every_rendered_object_is_accepted_by_server_side_apply(api: Any, render: Any) -> None:
    objects = _pipeline_objects(render, ORCHESTRATOR_EXAMPLES + ARGOCD_EXAMPLES)
    namespaces = {o["metadata"].get("namespace") for o in objects} - {None}
    for name in sorted(namespaces):  # namespaces are applied for real: dry-run objects need them to exist
        api.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    rejected = []
    for obj in objects:
        try:
            api.admin.apply(obj, dry_run=True, manager="kratix")
        except (ApiError, KeyError) as error:
            meta = obj["metadata"]
            rejected.append(f"{obj['kind']} {meta.get('namespace', '')}/{meta['name']}: {error}")
    assert not rejected, "\n".join(rejected)
    kinds = {o["kind"] for o in objects}
    assert {"Application", "AppProject", "ExternalSecret", "NetworkPolicy", "Job", "ConfigMap"} <= kinds


def test_the_real_media_request_on_a_cilium_platform_is_accepted(api: Any, render: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The production request as it runs, with the installation's Cilium and node-local DNS settings."""
    monkeypatch.setenv("VCLUSTER_PLATFORM_CNI", "cilium")
    monkeypatch.setenv("VCLUSTER_PLATFORM_NODE_LOCAL_DNS", "169.254.116.108/32")
    objects = _pipeline_objects(render, [SHARED / "examples" / "real" / "vcluster-media.yaml"])
    for name in sorted({o["metadata"].get("namespace") for o in objects} - {None}):
        api.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    for obj in objects:
        api.admin.apply(obj, dry_run=True, manager="kratix")
    kinds = {o["kind"] for o in objects}
    assert {"CiliumNetworkPolicy", "NetworkPolicy", "Issuer", "Certificate", "CronJob", "Job"} <= kinds


@pytest.mark.parametrize("path", PROMISE_FILES, ids=lambda p: p.parent.name)
def test_promises_are_accepted_as_kratix_promises(api: Any, path: Path) -> None:
    promise = load(path)
    applied = api.admin.apply(promise, dry_run=True)
    assert applied["spec"]["api"] == promise["spec"]["api"]
    assert applied["spec"]["workflows"] == promise["spec"]["workflows"]


def test_a_broken_promise_is_rejected(api: Any) -> None:
    promise = load(PROMISE_FILES[0])
    promise["spec"]["destinationSelectors"] = [{"matchLabels": {"environment": 42}}]
    with pytest.raises(ApiError) as error:
        api.admin.apply(promise, dry_run=True)
    assert "spec.destinationSelectors[0].matchLabels.environment" in error.value.message


def test_least_privileged_identity_is_refused_what_it_was_not_granted(api: Any) -> None:
    token = api.service_account_token("rbac-check", "reader", rules=[
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}])
    reader = api.client_for_token(token)
    assert reader.list_objects("v1", "ConfigMap", "rbac-check") is not None
    with pytest.raises(ApiError) as error:
        reader.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "rbac-check"}})
    assert error.value.code == 403
    assert "system:serviceaccount:rbac-check:reader" in error.value.message


DEPLOY = REPO / "deploy"


def dry_run_deploy(api: Any, component: str, files: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every document of the component's deploy files, accepted by a server-side dry run (CRDs installed)."""
    docs = [d for name in files for d in yaml.safe_load_all((DEPLOY / component / name).read_text()) if d]
    for namespace in {d["metadata"].get("namespace") for d in docs} - {None}:
        api.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    for doc in docs:
        applied = api.admin.apply(doc, dry_run=True)
        assert applied["kind"] == doc["kind"]
    return docs


def assert_hardened(deployment: dict[str, Any], account: str) -> None:
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert pod["serviceAccountName"] == account


def assert_scraped(api: Any, component: str, deployment: dict[str, Any], port_variable: str) -> None:
    """The ServiceMonitor needs the Prometheus operator's CRD (not installed here): it must select the
    Service, whose port must reach the container's metrics port, the one the component serves on."""
    service, monitor = [d for d in yaml.safe_load_all((DEPLOY / component / "monitoring.yaml").read_text())]
    assert api.admin.apply(service, dry_run=True)["kind"] == "Service"
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    port = next(p for p in service["spec"]["ports"] if p["name"] == monitor["spec"]["endpoints"][0]["port"])
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert container_ports[port["targetPort"]] == int(env[port_variable])


def test_the_controller_deploy_manifests_are_accepted(api: Any) -> None:
    from vsphere_migration.api.crd import migration_crd

    api.install_crds([migration_crd()])
    docs = dry_run_deploy(api, "vsphere-migration",
                          ("namespace.yaml", "rbac.yaml", "deployment.yaml", "networkpolicy.yaml",
                           "example-migration.yaml"))
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    assert_hardened(deployment, "vsphere-migration-controller")
    # several replicas are safe only because each leads through the Lease before it reconciles
    assert deployment["spec"]["replicas"] == 2 and "--leader-elect" in deployment["spec"]["template"]["spec"][
        "containers"][0]["args"]
    assert_scraped(api, "vsphere-migration", deployment, "MIGRATION_METRICS_PORT")


def test_the_status_reconciler_deploy_manifests_are_accepted(api: Any) -> None:
    docs = dry_run_deploy(api, "vcluster-status", ("namespace.yaml", "rbac.yaml", "deployment.yaml",
                                                   "networkpolicy.yaml"))
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    assert_hardened(deployment, "vcluster-status-reconciler")
    # one replica that is never doubled: two reconcilers would race on the same status
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"]["type"] == "Recreate"
    assert_scraped(api, "vcluster-status", deployment, "VCLUSTER_STATUS_METRICS_PORT")
