"""Taking over the production `media` tenant from today's pipeline: `migrate check` against what that pipeline
renders (`shared/examples/real/vcluster-media-running/`), one identity change at a time."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import SHARED, load
from vcluster_platform.cli import main
from vcluster_platform.errors import InvalidRequest
from vcluster_platform.models import PlatformSettings, settings_from_document
from vcluster_platform.render import render_all

RUNNING = SHARED / "examples" / "real" / "vcluster-media-running"
REQUEST = SHARED / "examples" / "real" / "vcluster-media.yaml"


def _check(capsys: pytest.CaptureFixture[str], running: Path = RUNNING) -> tuple[int, dict[str, Any]]:
    code = main(["migrate", "check", "--v1", str(running), "--v2", str(REQUEST), "--output", "json"])
    return code, json.loads(capsys.readouterr().out)


PSS_CHANGE = ("pod_security", "change")


def test_the_running_tenant_is_taken_over_with_no_blocking_finding(capsys: pytest.CaptureFixture[str]) -> None:
    """The one difference is reported, not blocking: the running namespace carries no Pod Security label (the
    API server's default, privileged) and ours enforces baseline, the trust model's default."""
    code, report = _check(capsys)
    assert code == 0 and report["blocking"] is False
    assert [(f["field"], f["severity"]) for f in report["findings"]] == [PSS_CHANGE]
    v1, v2 = report["v1"], report["v2"]
    assert (v1["pod_security"], v2["pod_security"]) == ("privileged", "baseline")
    for field in ("service_type", "load_balancer_ip", "hostnames", "cluster_name", "cluster_server",
                  "cluster_labels", "cluster_annotations", "kubeconfig_secret", "onepassword_item"):
        assert v1[field] == v2[field], field
    assert v1["service_type"] == "LoadBalancer" and v1["hostnames"] == ["media.integratn.tech"]
    assert v1["cluster_labels"]["enable_cert_manager"] == "true"  # read, not empty


def _app(running: Path) -> tuple[Path, dict[str, Any]]:
    path = running / "argocd-application-request.yaml"
    return path, load(path)


def _values(app: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = app["spec"]["source"]["helm"]["valuesObject"]
    return values


def _service(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def edit(running: Path) -> None:
        path, app = _app(running)
        change(_values(app)["controlPlane"]["service"])
        path.write_text(yaml.safe_dump(app))
    return edit


def _registration(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def edit(running: Path) -> None:
        path = running / "argocd-cluster-registration-request.yaml"
        doc = load(path)
        change(doc["spec"])
        path.write_text(yaml.safe_dump(doc))
    return edit


def _credentials(key: str, value: str) -> Callable[[Path], None]:
    def edit(running: Path) -> None:
        path = running / "status.yaml"
        status = load(path)
        status["credentials"][key] = value
        path.write_text(yaml.safe_dump(status))
    return edit


ONE_CHANGE = [
    ("API Service type", _service(lambda svc: svc["spec"].update(type="ClusterIP")),
     "service_type", "disrupt", "existing kubeconfigs stop working"),
    ("fixed LoadBalancer address", _service(lambda svc: svc["spec"].update(loadBalancerIP="10.0.4.100")),
     "load_balancer_ip", "disrupt", "existing kubeconfigs stop working"),
    ("published hostname", _service(lambda svc: svc["annotations"].update(
        {"external-dns.alpha.kubernetes.io/hostname": "media-old.integratn.tech"})),
     "hostnames", "disrupt", "clients using the old name lose access"),
    ("registration name", _registration(lambda spec: spec.update(name="media")),
     "cluster_name", "prune", "ApplicationSets that template it regenerate"),
    ("registration server", _registration(lambda spec: spec.update(externalServerURL="https://media.integratn.tech")),
     "cluster_server", "prune", "pruning every add-on running inside the vCluster"),
    ("a selector label we would drop", _registration(lambda spec: spec["clusterLabels"].update(enable_kyverno="true")),
     "cluster_labels", "prune", "ArgoCD prunes that add-on from the vCluster (enable_kyverno)"),
    ("a selector label value", _registration(lambda spec: spec["clusterLabels"].update(environment="staging")),
     "cluster_labels", "prune", "(environment)"),
    ("an annotation ApplicationSets read", _registration(
        lambda spec: spec["clusterAnnotations"].update(addons_repo_revision="release-1")),
     "cluster_annotations", "disrupt", "(addons_repo_revision)"),
    ("kubeconfig Secret", _credentials("kubeconfigSecret", "media-kubeconfig"),
     "kubeconfig_secret", "disrupt", "loses its credentials"),
    ("1Password item", _credentials("onePasswordItem", "media-kubeconfig"),
     "onepassword_item", "disrupt", "stale or no item"),
]


@pytest.mark.parametrize(("case", "edit", "field", "severity", "consequence"), ONE_CHANGE,
                         ids=[c[0] for c in ONE_CHANGE])
def test_each_consumer_facing_field_blocks_on_its_own(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      case: str, edit: Callable[[Path], None], field: str,
                                                      severity: str, consequence: str) -> None:
    running = tmp_path / "running"
    shutil.copytree(RUNNING, running)
    edit(running)
    code, report = _check(capsys, running)
    assert code == 1 and report["blocking"] is True
    found = [(f["field"], f["severity"]) for f in report["findings"]]
    # a ClusterIP Service publishes no hostname through external-dns, so that case also loses the hostname
    assert found == [(field, severity)] + ([("hostnames", "disrupt")] if field == "service_type" else []) + [
        PSS_CHANGE]
    assert consequence in report["findings"][0]["consequence"]


def test_an_added_selector_label_is_reported_without_blocking(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    running = tmp_path / "running"
    shutil.copytree(RUNNING, running)
    _registration(lambda spec: spec["clusterLabels"].pop("enable_argocd"))(running)
    code, report = _check(capsys, running)
    assert code == 0
    assert [(f["field"], f["severity"]) for f in report["findings"]] == [PSS_CHANGE, ("cluster_labels", "change")]


def test_the_plan_from_todays_pipeline_switches_the_promise_with_a_rollback(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "check", "--v1", str(RUNNING), "--v2", str(REQUEST), "--plan"]) == 0
    out = capsys.readouterr().out
    assert out.count("  rollback:") == 5
    assert "kubectl apply -f promises/vcluster-orchestrator-v2/promise.yaml" in out
    assert "kubectl apply -f promises-before.yaml" in out
    assert '"applicationsSync":"create-update"' in out
    assert "delete vclusterorchestrator " not in out  # the request stays: same kind


def test_diff_ignores_empty_documents_and_status_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    running = tmp_path / "running"
    shutil.copytree(RUNNING, running)
    (running / "namespace.yaml").write_text("---\n" + (RUNNING / "namespace.yaml").read_text() + "---\n")
    main(["diff", str(running), str(REQUEST), "--color", "never"])
    out = capsys.readouterr().out
    assert "(): removed" not in out and "  ()" not in out
    assert "~ Namespace vcluster-media (v1): changed" in out


def _settings(**platform: Any) -> Any:
    return settings_from_document(yaml.safe_load(REQUEST.read_text()), PlatformSettings(**platform))


def _control_plane(settings: Any) -> dict[str, Any]:
    app = next(o for o in render_all(settings) if o["kind"] == "ArgoCDApplication")
    control_plane: dict[str, Any] = app["spec"]["source"]["helm"]["valuesObject"]["controlPlane"]
    return control_plane


def test_exposure_without_a_mode_follows_the_platform_default() -> None:
    pool = _control_plane(_settings())["service"]
    assert pool["spec"]["type"] == "LoadBalancer" and "loadBalancerIP" not in pool["spec"]
    assert pool["annotations"] == {"external-dns.alpha.kubernetes.io/hostname": "media.integratn.tech"}
    assert pool["spec"]["ports"] == [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443}]
    routed = _settings(default_exposure="tlsRoute")
    assert "service" not in _control_plane(routed)
    assert [o["kind"] for o in render_all(routed) if o["kind"] == "TLSRoute"] == ["TLSRoute"]


def test_a_fixed_vip_is_kept_beside_the_hostname() -> None:
    doc = yaml.safe_load(REQUEST.read_text())
    doc["spec"]["exposure"].update(vip="10.0.4.210", mode="loadBalancer")
    service = _control_plane(settings_from_document(doc, PlatformSettings()))["service"]
    assert service["spec"]["loadBalancerIP"] == "10.0.4.210"
    assert service["annotations"]["metallb.io/loadBalancerIPs"] == "10.0.4.210"


@pytest.mark.parametrize(("revision", "pdb"), [("0.31.1", True), ("0.33.4", True), ("0.30.4", False)])
def test_the_pdb_follows_what_the_chart_version_supports(revision: str, pdb: bool) -> None:
    doc = yaml.safe_load(REQUEST.read_text())
    doc["spec"]["argocdApplication"]["targetRevision"] = revision
    from vcluster_platform.pipeline.configure import render_request

    _settings, objects = render_request(doc)  # validated against that chart version's schema
    app = next(o for o in objects if o["kind"] == "ArgoCDApplication")
    control_plane = app["spec"]["source"]["helm"]["valuesObject"]["controlPlane"]
    assert ("podDisruptionBudget" in control_plane.get("advanced", {})) is pdb
    doc["spec"]["vcluster"]["replicas"] = 1
    doc["spec"]["vcluster"]["backingStore"] = {"etcd": {"deploy": {"enabled": False}}}
    doc["spec"]["vcluster"]["helmOverrides"]["controlPlane"].pop("backingStore")
    _settings1, single = render_request(doc)
    single_app = next(o for o in single if o["kind"] == "ArgoCDApplication")
    assert "advanced" not in single_app["spec"]["source"]["helm"]["valuesObject"]["controlPlane"]


def test_what_the_running_control_plane_has_comes_from_platform_settings() -> None:
    control_plane = _control_plane(_settings())
    assert control_plane["distro"]["k8s"]["version"] == "v1.34.3"
    assert control_plane["statefulSet"]["image"] == {"repository": "loft-sh/vcluster-oss"}
    assert control_plane["serviceMonitor"]["labels"] == {
        "cluster_role": "vcluster", "environment": "production", "vcluster_name": "vcluster-media",
        "vcluster_namespace": "vcluster-media"}
    other = _control_plane(_settings(k8s_version="v1.33.5", control_plane_image="", service_monitor=False))
    assert other["distro"]["k8s"]["version"] == "v1.33.5"
    assert "image" not in other["statefulSet"] and "serviceMonitor" not in other


def test_cluster_secret_carries_platform_selectors_beside_the_requests_own() -> None:
    """The platform's selector labels are its own: a request adds labels beside them and cannot override one
    (it would steer the platform's ApplicationSets)."""
    platform = PlatformSettings(cluster_labels=(("enable_velero", "true"), ("enable_external_dns", "true")))
    doc = yaml.safe_load(REQUEST.read_text())
    doc["spec"]["integrations"]["argocd"]["clusterLabels"] = {"enable_external_dns": "false"}
    with pytest.raises(InvalidRequest) as refused:
        settings_from_document(doc, platform)
    assert [p.path for p in refused.value.problems] == ["spec.integrations.argocd.clusterLabels.enable_external_dns"]
    doc["spec"]["integrations"]["argocd"]["clusterLabels"] = {"team": "media"}
    settings = settings_from_document(doc, platform)
    secret = next(o for o in render_all(settings) if o["kind"] == "ExternalSecret"
                  and o["metadata"]["namespace"] == "argocd")
    template = secret["spec"]["target"]["template"]
    labels = template["metadata"]["labels"]
    assert labels["enable_velero"] == "true" and labels["enable_external_dns"] == "true" and labels["team"] == "media"
    assert labels["argocd.argoproj.io/secret-type"] == "cluster" and labels["cluster_name"] == "vcluster-media"
    assert template["data"]["server"] == "https://media.integratn.tech:443"
    assert template["metadata"]["annotations"]["platform.integratn.tech/base-domain-sanitized"] == "integratn-tech"
