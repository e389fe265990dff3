"""Real requests, exactly as the platform runs them: the production `media` request and the shapes real
tenants send (standard-mode egress, a chart-shaped backing store, a deployed etcd with TLS)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import SHARED, rendered_objects
from vcluster_platform.errors import InvalidRequest
from vcluster_platform.models import PlatformSettings, settings_from_document
from vcluster_platform.pipeline.checks import reference_warnings
from vcluster_platform.pipeline.configure import render_request
from vcluster_platform.policy import gate
from vcluster_platform.schema_store import validate_object

MEDIA = SHARED / "examples" / "real" / "vcluster-media.yaml"


def media() -> dict[str, Any]:
    return yaml.safe_load(MEDIA.read_text())


def _by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _values(objects: list[dict[str, Any]]) -> dict[str, Any]:
    app = next(o for o in objects if o["kind"] == "ArgoCDApplication" and o["spec"]["source"].get("chart"))
    values: dict[str, Any] = app["spec"]["source"]["helm"]["valuesObject"]
    return values


def test_the_production_media_request_renders_everything_it_depends_on(render: Any) -> None:
    code, out = render(MEDIA.read_text())
    assert code == 0
    objects = rendered_objects(out)
    assert gate(objects) == [] and all(validate_object(o) == [] for o in objects)
    policies = _by_kind(objects, "NetworkPolicy")
    assert {"vcluster-media-default-deny", "vcluster-media-allow-dns", "vcluster-media-allow-nfs",
            "vcluster-media-allow-egress-postgres"} <= set(policies)
    postgres = policies["vcluster-media-allow-egress-postgres"]["spec"]["egress"][0]
    assert postgres == {"to": [{"ipBlock": {"cidr": "10.0.3.1/32"}}], "ports": [{"port": 5432, "protocol": "TCP"}]}
    certificates = _by_kind(objects, "Certificate")
    assert {"vcluster-media-etcd-ca", "vcluster-media-etcd-server", "vcluster-media-etcd-peer"} <= set(certificates)
    assert set(_by_kind(objects, "Issuer")) == {"vcluster-media-etcd-selfsigned", "vcluster-media-etcd-ca"}
    merge = next(j for j in _by_kind(objects, "Job").values() if "etcd-merge" in j["metadata"]["name"])
    env = {e["name"]: e["value"] for e in merge["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["ETCD_CERTS_SECRET"] == "vcluster-media-etcd-certs"  # what the request's helmOverrides mount
    store = _values(objects)["controlPlane"]["backingStore"]
    assert store["etcd"]["deploy"]["statefulSet"]["image"]["tag"] == "3.6.8-0"
    assert store["etcd"]["deploy"]["statefulSet"]["extraArgs"] == ["--client-cert-auth=false"]
    assert "database" not in store
    status = yaml.safe_load((out / "metadata" / "status.yaml").read_text())
    references = next(c for c in status["conditions"] if c["type"] == "ReferencesResolved")
    assert references["status"] == "True"


def test_server_and_peer_certificates_cover_every_member_name() -> None:
    _s, objects = render_request(media())
    server = _by_kind(objects, "Certificate")["vcluster-media-etcd-server"]["spec"]
    names = set(server["dnsNames"])
    for member in range(3):
        pod = f"vcluster-media-etcd-{member}"
        assert {pod, f"{pod}.vcluster-media-etcd-headless.vcluster-media.svc.cluster.local"} <= names
    assert {"vcluster-media-etcd", "vcluster-media-etcd.vcluster-media.svc",
            "vcluster-media-etcd-headless.vcluster-media", "localhost"} <= names
    assert server["ipAddresses"] == ["127.0.0.1"]
    assert server["issuerRef"]["name"] == "vcluster-media-etcd-ca"
    assert len(names) == 2 * 4 + 3 * 4 + 1


def test_etcd_certificates_follow_the_member_count_and_cluster_domain() -> None:
    doc = media()
    doc["spec"]["vcluster"]["backingStore"]["etcd"]["deploy"]["statefulSet"]["highAvailability"]["replicas"] = 5
    doc["spec"]["vcluster"]["helmOverrides"]["controlPlane"]["backingStore"]["etcd"]["deploy"]["statefulSet"][
        "highAvailability"]["replicas"] = 5
    doc["spec"]["vcluster"]["networking"] = {"clusterDomain": "corp.internal"}
    _s, objects = render_request(doc)
    names = _by_kind(objects, "Certificate")["vcluster-media-etcd-peer"]["spec"]["dnsNames"]
    assert "vcluster-media-etcd-4.vcluster-media-etcd-headless.vcluster-media.svc.corp.internal" in names
    assert not any(n.endswith("cluster.local") for n in names)


def test_the_embedded_database_renders_no_etcd_certificates() -> None:
    doc = media()
    doc["spec"]["vcluster"] = {"preset": "prod", "replicas": 1,
                               "backingStore": {"etcd": {"deploy": {"enabled": False}}}}
    settings, objects = render_request(doc)
    assert settings.backing_store == "database"
    assert settings.sources["vcluster.backingStore.type"] == "request (etcd.deploy.enabled: false)"
    assert _values(objects)["controlPlane"]["backingStore"] == {"database": {"embedded": {"enabled": True}}}
    assert not [o for o in objects if o["kind"] in ("Issuer", "CronJob")]


@pytest.mark.parametrize(("preset", "replicas"), [("prod", 3), ("dev", 1)])
def test_the_preset_decides_etcd_replicas_when_the_request_is_silent(preset: str, replicas: int) -> None:
    doc = media()
    doc["spec"]["vcluster"] = {"preset": preset, "replicas": 1, "backingStore": {"etcd": {"deploy": {
        "enabled": True, "statefulSet": {"image": {"tag": "3.6.8-0"}}}}}}
    settings, objects = render_request(doc)
    assert settings.etcd_replicas == replicas
    deploy = _values(objects)["controlPlane"]["backingStore"]["etcd"]["deploy"]
    assert deploy["statefulSet"] == {"image": {"tag": "3.6.8-0"}, "highAvailability": {"replicas": replicas}}


def test_an_unknown_root_key_points_at_where_the_chart_has_it() -> None:
    doc = media()
    doc["spec"]["vcluster"]["helmOverrides"]["service"] = {"type": "LoadBalancer"}
    with pytest.raises(InvalidRequest) as info:
        render_request(doc)
    problem = info.value.problems[0]
    assert problem.path == "spec.vcluster.helmOverrides"
    assert problem.value == {"service": {"type": "LoadBalancer"}}
    assert "the chart has 'service' at controlPlane.service" in problem.message


def test_a_misspelt_key_gets_the_nearest_real_path() -> None:
    doc = media()
    doc["spec"]["vcluster"]["helmOverrides"]["controlPlane"]["statefulSet"]["persistance"] = {}
    with pytest.raises(InvalidRequest) as info:
        render_request(doc)
    assert "did you mean controlPlane.statefulSet.persistence?" in str(info.value)


def test_a_mount_nothing_renders_is_a_warning_in_status_and_on_stderr(render: Any,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    doc = media()
    doc["spec"]["vcluster"]["helmOverrides"]["controlPlane"]["statefulSet"]["persistence"]["addVolumes"].append(
        {"name": "extra-ca", "configMap": {"name": "corporate-ca"}})
    code, out = render(doc)
    assert code == 0
    err = capsys.readouterr().err
    assert "warning: spec.vcluster.helmOverrides mounts ConfigMap vcluster-media/corporate-ca" in err
    status = yaml.safe_load((out / "metadata" / "status.yaml").read_text())
    condition = next(c for c in status["conditions"] if c["type"] == "ReferencesResolved")
    assert condition["status"] == "False" and condition["reason"] == "UnrenderedReference"
    assert "corporate-ca" in status["warnings"][0]


def test_the_etcd_certs_mount_is_only_provided_with_a_deployed_etcd() -> None:
    doc = media()
    overrides = copy.deepcopy(doc["spec"]["vcluster"]["helmOverrides"])
    del overrides["controlPlane"]["backingStore"]
    doc["spec"]["vcluster"] = {"replicas": 1, "helmOverrides": overrides,
                               "backingStore": {"etcd": {"deploy": {"enabled": False}}}}
    settings, objects = render_request(doc)
    assert [w for w in reference_warnings(settings, objects) if "vcluster-media-etcd-certs" in w]


def test_validate_reports_the_warning_without_failing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vcluster_platform.cli import main

    doc = media()
    doc["spec"]["vcluster"]["helmOverrides"]["controlPlane"]["statefulSet"]["persistence"]["addVolumes"][0][
        "secret"]["secretName"] = "typo-etcd-certs"
    path = tmp_path / "request.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning: spec.vcluster.helmOverrides mounts Secret vcluster-media/typo-etcd-certs" in out


def test_cilium_policies_are_rendered_only_on_a_cilium_platform() -> None:
    plain = settings_from_document(media(), PlatformSettings(cni="kubernetes"))
    cilium = settings_from_document(media(), PlatformSettings())  # the shipped promise: Cilium, node-local DNS
    from vcluster_platform.render import render_all

    assert not [o for o in render_all(plain) if o["kind"] == "CiliumNetworkPolicy"]
    names = {o["metadata"]["name"] for o in render_all(cilium) if o["kind"] == "CiliumNetworkPolicy"}
    assert names == {"vcluster-media-allow-host-api", "vcluster-media-allow-lb-snat",
                     "vcluster-media-allow-node-local-dns"}


def test_the_pipeline_reads_platform_settings_from_its_environment(render: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VCLUSTER_PLATFORM_CNI", "cilium")
    code, out = render(MEDIA.read_text())
    assert code == 0
    assert [o for o in rendered_objects(out) if o["kind"] == "CiliumNetworkPolicy"]
    monkeypatch.setenv("VCLUSTER_PLATFORM_CNI", "flannel")
    code, out = render(MEDIA.read_text())
    assert code == 2 and list((out / "output").iterdir()) == []
