"""Chart level: the values every example and real request renders are templated with the real vcluster chart
they pin (`helm template`, helm built from the Go module proxy beside the test servers) and the API server
accepts the objects; `migrate check --charts` and `upgrade check` compare chart objects, immutable fields
included."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ORCHESTRATOR_EXAMPLES, SHARED
from testenv.kube import ApiError
from vcluster_platform.chart import HELM_ENV, template
from vcluster_platform.cli import main
from vcluster_platform.manifests import objects_of, with_promise_outputs
from vcluster_platform.migrate import chart_input_of

CHARTS = SHARED / "charts"
REAL = SHARED / "examples" / "real"
MEDIA = REAL / "vcluster-media.yaml"


# The Prometheus operator's CRDs are not among the upstream schemas available offline: the chart's ServiceMonitor
# is judged by a stand-in that checks its identity and shape only (kind, apiVersion, metadata), not its fields.
SERVICE_MONITOR_STAND_IN = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "servicemonitors.monitoring.coreos.com"},
    "spec": {"group": "monitoring.coreos.com", "scope": "Namespaced",
             "names": {"kind": "ServiceMonitor", "plural": "servicemonitors", "singular": "servicemonitor",
                       "listKind": "ServiceMonitorList"},
             "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                 "type": "object", "properties": {"spec": {"type": "object",
                                                           "x-kubernetes-preserve-unknown-fields": True}}}}}]}}


@pytest.fixture
def helm(kube_cluster: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """helm from the test binaries (built with the servers), and the cluster the objects are judged by."""
    from testenv.processes import binary

    monkeypatch.setenv(HELM_ENV, str(binary("helm")))
    kube_cluster.install_crds([SERVICE_MONITOR_STAND_IN])
    return kube_cluster


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


@pytest.mark.parametrize("request_path", [*ORCHESTRATOR_EXAMPLES, MEDIA], ids=lambda p: p.stem)
def test_the_chart_objects_of_every_request_are_accepted_by_the_api_server(helm: Any, request_path: Path) -> None:
    chart_input = chart_input_of(with_promise_outputs(objects_of(request_path)))
    objects = template(chart_input, CHARTS)
    kinds = {o["kind"] for o in objects}
    assert "Service" in kinds and kinds & {"StatefulSet", "Deployment"}, kinds
    helm.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": chart_input.namespace}})
    rejected = []
    for obj in objects:
        obj.setdefault("metadata", {}).setdefault("namespace", chart_input.namespace)
        if obj["kind"] in ("ClusterRole", "ClusterRoleBinding"):
            obj["metadata"].pop("namespace")
        try:
            helm.admin.apply(obj, dry_run=True, manager="argocd-controller")
        except (ApiError, KeyError) as error:
            rejected.append(f"{obj['kind']} {obj['metadata'].get('name')}: {error}")
    assert not rejected, "\n".join(rejected)


def test_the_production_tenant_s_chart_objects_equal_today_s(helm: Any) -> None:
    code, out = run("migrate", "check", "--v1", str(REAL / "vcluster-media-running"), "--v2", str(MEDIA),
                    "--charts", str(CHARTS))
    assert code == 0, out
    assert "chart objects (vcluster 0.31.1 → 0.31.1):\nevery object is the same" in out


def test_a_volume_claim_change_is_an_immutable_statefulset_field(helm: Any, tmp_path: Path) -> None:
    doc = yaml.safe_load(MEDIA.read_text())
    doc["spec"]["vcluster"]["persistence"] = {**doc["spec"]["vcluster"].get("persistence", {}), "size": "20Gi"}
    bigger = tmp_path / "media.yaml"
    bigger.write_text(yaml.safe_dump(doc))
    code, out = run("migrate", "check", "--v1", str(REAL / "vcluster-media-running"), "--v2", str(bigger),
                    "--charts", str(CHARTS), "--output", "json")
    report = json.loads(out)["chart"]
    assert code == 1 and report["blocking"]
    assert any(line.startswith("StatefulSet/vcluster-media spec.volumeClaimTemplates") for line in report["immutable"])


def test_media_upgrade_to_0_33_4_is_a_rolling_restart_of_the_control_plane(helm: Any) -> None:
    code, out = run("upgrade", "check", str(MEDIA), "--to", "0.33.4", "--charts", str(CHARTS), "--output", "json")
    [result] = json.loads(out)
    assert code == 0, result
    assert result["valuesValid"] and result["from"] == "0.31.1" and result["to"] == "0.33.4"
    assert result["chart"]["immutable"] == [] and result["controlPlaneRestarts"] is True
    assert "StatefulSet/vcluster-media" in result["chart"]["restarts"]


def test_an_upgrade_that_changes_an_immutable_field_is_refused(helm: Any, tmp_path: Path) -> None:
    """A chart release whose control-plane StatefulSet gets another serviceName (made from 0.31.1's sources)."""
    charts = tmp_path / "charts"
    shutil.copytree(CHARTS / "vcluster" / "0.31.1", charts / "vcluster" / "0.31.9")
    chart_yaml = charts / "vcluster" / "0.31.9" / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace("version: 0.31.1", "version: 0.31.9"))
    statefulset = charts / "vcluster" / "0.31.9" / "templates" / "statefulset.yaml"
    statefulset.write_text(statefulset.read_text().replace("serviceName: {{ .Release.Name }}-headless",
                                                           "serviceName: {{ .Release.Name }}-peers"))
    shutil.copytree(CHARTS / "vcluster" / "0.31.1", charts / "vcluster" / "0.31.1")
    code, out = run("upgrade", "check", str(MEDIA), "--to", "0.31.9", "--charts", str(charts))
    assert code == 1, out
    assert "IMMUTABLE StatefulSet/vcluster-media spec.serviceName: 'vcluster-media-headless' → " \
           "'vcluster-media-peers'" in out


def test_upgrade_check_without_charts_names_what_is_missing(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("VCLUSTER_PLATFORM_CHARTS", raising=False)
    assert main(["upgrade", "check", str(MEDIA), "--to", "0.33.4"]) == 2
    assert "--charts" in capsys.readouterr().err


CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "StorageClass",
                  "PriorityClass", "IngressClass", "PersistentVolume", "ValidatingWebhookConfiguration",
                  "MutatingWebhookConfiguration", "APIService"}


@pytest.mark.parametrize("request_path", [*ORCHESTRATOR_EXAMPLES, MEDIA], ids=lambda p: p.stem)
def test_the_host_project_admits_exactly_the_chart_s_cluster_scoped_objects(helm: Any, request_path: Path) -> None:
    """The tenant's host AppProject lists cluster-scoped objects by name: every one the real chart renders for
    this request (and the namespace CreateNamespace makes) is admitted, and nothing of another name."""
    from fnmatch import fnmatchcase

    rendered = objects_of(request_path)
    chart_input = chart_input_of(with_promise_outputs(rendered))
    project = next(o for o in rendered if o["kind"] == "ArgoCDProject" and not o["metadata"]["name"].endswith(
        "-workloads"))
    allowed = project["spec"]["clusterResourceWhitelist"]

    def admitted(kind: str, name: str) -> bool:
        return any(a["kind"] == kind and fnmatchcase(name, a.get("name", "*")) for a in allowed)

    made = [(o["kind"], o["metadata"]["name"]) for o in template(chart_input, CHARTS) if o["kind"] in CLUSTER_SCOPED]
    made.append(("Namespace", chart_input.namespace))
    assert [m for m in made if not admitted(*m)] == []
    assert not admitted("ClusterRoleBinding", "cluster-admin-for-me") and not admitted("Namespace", "kube-system")
    assert not admitted("CustomResourceDefinition", "anything.example.com")
