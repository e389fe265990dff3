"""Presets, resolution order, sources and VIP rules (expected values written from the SPEC table)."""

from __future__ import annotations

import pytest

from conftest import request
from vcluster_platform.errors import InvalidRequest
from vcluster_platform.models import settings_from_document
from vcluster_platform.models.platform import PlatformSettings

# SPEC "Presets" table, typed in by hand.
SPEC_TABLE = {
    "dev": dict(replicas=1, requests_cpu="200m", requests_memory="768Mi", limits_cpu="1000m",
                limits_memory="1536Mi", persistence_enabled=False, persistence_size="5Gi", coredns_replicas=1,
                backing_store="database"),
    "prod": dict(replicas=3, requests_cpu="500m", requests_memory="1Gi", limits_cpu="2", limits_memory="2Gi",
                 persistence_enabled=True, persistence_size="10Gi", coredns_replicas=2, backing_store="etcd",
                 etcd_replicas=3),
}


@pytest.mark.parametrize("preset", ["dev", "prod"])
def test_presets_match_the_spec_table(preset: str) -> None:
    s = settings_from_document(request(vcluster={"preset": preset}))
    for attr, expected in SPEC_TABLE[preset].items():
        assert getattr(s, attr) == expected, attr
        assert s.sources[_path(attr)] == f"preset:{preset}"


def _path(attr: str) -> str:
    return {
        "replicas": "vcluster.replicas", "requests_cpu": "vcluster.resources.requests.cpu",
        "requests_memory": "vcluster.resources.requests.memory", "limits_cpu": "vcluster.resources.limits.cpu",
        "limits_memory": "vcluster.resources.limits.memory", "persistence_enabled": "vcluster.persistence.enabled",
        "persistence_size": "vcluster.persistence.size", "coredns_replicas": "vcluster.coredns.replicas",
        "backing_store": "vcluster.backingStore.type", "etcd_replicas": "vcluster.backingStore.etcdReplicas",
    }[attr]


def test_default_preset_is_dev() -> None:
    s = settings_from_document(request())
    assert s.preset == "dev" and s.sources["vcluster.preset"] == "default"


def test_request_value_wins_over_preset_per_field() -> None:
    s = settings_from_document(request(vcluster={"preset": "prod", "replicas": 5,
                                                 "resources": {"requests": {"memory": "2Gi"}}}))
    assert s.replicas == 5 and s.sources["vcluster.replicas"] == "request"
    assert s.requests_memory == "2Gi" and s.sources["vcluster.resources.requests.memory"] == "request"
    assert s.requests_cpu == "500m" and s.sources["vcluster.resources.requests.cpu"] == "preset:prod"
    assert s.vip_offset == 200 and s.sources["exposure.vipOffset"] == "platform (env VCLUSTER_PLATFORM_VIP_OFFSET)"


def test_defaults_for_names() -> None:
    s = settings_from_document(request("media"))
    assert (s.target_namespace, s.project_name) == ("vcluster-media", "vcluster-media")
    assert s.names.application == "vcluster-media" and s.names.release == "media"


NO_POOLS = PlatformSettings(load_balancer_pools=())


@pytest.mark.parametrize(("subnet", "offset", "vip"), [
    ("10.0.4.0/24", None, "10.0.4.200"),
    ("10.0.4.0/24", 100, "10.0.4.100"),
    ("192.168.0.0/16", 300, "192.168.1.44"),
    ("10.1.2.0/25", 126, "10.1.2.126"),
])
def test_vip_from_subnet_and_offset(subnet: str, offset: int | None, vip: str) -> None:
    exposure = {"subnet": subnet, "mode": "loadBalancer", **({"vipOffset": offset} if offset else {})}
    assert settings_from_document(request(exposure=exposure), NO_POOLS).vip == vip


def test_the_default_offset_is_the_platform_s_and_lands_in_its_pool() -> None:
    """Today's pipeline computes subnet + 200 and MetalLB's pool here is 10.0.4.200-253 (the seeds' 100 is
    outside it: the Service would stay Pending)."""
    s = settings_from_document(request(exposure={"subnet": "10.0.4.0/24", "mode": "loadBalancer"}))
    assert s.vip == "10.0.4.200"
    offset_100 = settings_from_document(request(exposure={"subnet": "10.0.4.0/24", "mode": "loadBalancer"}),
                                        PlatformSettings(vip_offset=100, load_balancer_pools=()))
    assert offset_100.vip == "10.0.4.100"


@pytest.mark.parametrize(("exposure", "path"), [
    ({"subnet": "10.0.5.0/24"}, "spec.exposure.subnet"),
    ({"subnet": "10.0.4.0/24", "vipOffset": 100}, "spec.exposure.vipOffset"),
    ({"subnet": "10.0.4.0/24", "vip": "10.0.4.254"}, "spec.exposure.vip"),
])
def test_a_vip_outside_the_load_balancer_pools_is_refused_naming_them(exposure: dict[str, object],
                                                                      path: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        settings_from_document(request(exposure={**exposure, "mode": "loadBalancer"}))
    problem = info.value.problems[0]
    assert problem.path == path
    assert "outside the load balancer's pools (10.0.4.200-10.0.4.253)" in problem.message


@pytest.mark.parametrize(("exposure", "path", "words"), [
    ({"subnet": "10.0.4.0/24", "vipOffset": 255}, "spec.exposure.vipOffset", "broadcast"),
    ({"subnet": "10.0.4.0/24", "vipOffset": 256}, "spec.exposure.vipOffset", "past the end"),
    ({"subnet": "10.0.4.0/24", "vip": "10.0.4.0"}, "spec.exposure.vip", "network"),
    ({"subnet": "10.0.4.0/24", "vip": "10.0.5.1"}, "spec.exposure.vip", "outside"),
    ({"subnet": "10.0.4.0/25", "vipOffset": 127}, "spec.exposure.vipOffset", "broadcast"),
])
def test_vip_rules(exposure: dict[str, object], path: str, words: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        settings_from_document(request(exposure=exposure), NO_POOLS)
    problem = info.value.problems[0]
    assert problem.path == path and words in problem.message


def test_limits_checked_after_presets() -> None:
    with pytest.raises(InvalidRequest) as info:
        settings_from_document(request(vcluster={"resources": {"requests": {"memory": "4Gi"}}}))
    problem = info.value.problems[0]
    assert problem.path == "spec.vcluster.resources.requests.memory"
    assert "1536Mi (preset:dev)" in problem.message


def test_ha_needs_etcd() -> None:
    with pytest.raises(InvalidRequest, match=r"spec\.vcluster\.replicas"):
        settings_from_document(request(vcluster={"replicas": 3}))


def test_target_namespace_is_never_the_request_namespace() -> None:
    with pytest.raises(InvalidRequest, match="must differ"):
        settings_from_document(request(targetNamespace="platform-requests"))


def test_reconcile_annotation_is_read_as_a_map_key_and_changes_the_job_name() -> None:
    first = settings_from_document(request())
    doc = request()
    doc["metadata"]["annotations"] = {"platform.integratn.tech/reconcile-at": "2026-01-01T00:00:00Z"}
    second = settings_from_document(doc)
    assert second.reconcile_at == "2026-01-01T00:00:00Z"
    assert first.names.sync_job != second.names.sync_job


def test_v1_selector_labels_name_the_issuer_and_store() -> None:
    s = settings_from_document(request(integrations={
        "certManager": {"clusterIssuerSelectorLabels": {"integratn.tech/cluster-issuer": "internal-ca"}},
        "externalSecrets": {"clusterStoreSelectorLabels": {"integratn.tech/cluster-secret-store": "vault"}},
    }))
    assert (s.issuer_name, s.secret_store) == ("internal-ca", "vault")
