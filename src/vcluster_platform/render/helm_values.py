"""Helm values for the vcluster chart, built as data (never YAML text) and deep-merged with helmOverrides.

Only the chosen store is emitted under `controlPlane.backingStore` (with the request's own chart fields for
it): also setting the embedded database to disabled next to an etcd made vCluster crash on a missing CA in a
real deployment.
"""

from __future__ import annotations

import copy
from typing import Any

from ..models import EffectiveSettings
from ..schema_store import values_paths
from .coredns import corefile

LOADBALANCER_IP_ANNOTATION = "metallb.io/loadBalancerIPs"
EXTERNAL_DNS_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"
API_TARGET_PORT = 8443
# chart 0.31 added the control plane's PodDisruptionBudget; 0.30's schema refuses the key
PDB_PATH = "controlPlane.advanced.podDisruptionBudget"


def _stateful_set(s: EffectiveSettings) -> dict[str, Any]:
    volume_claim: dict[str, Any] = {"enabled": s.persistence_enabled, "size": s.persistence_size}
    if s.storage_class:
        volume_claim["storageClass"] = s.storage_class
    stateful_set: dict[str, Any] = {
        "highAvailability": {"replicas": s.replicas},
        "resources": {
            "requests": {"cpu": s.requests_cpu, "memory": s.requests_memory},
            "limits": {"cpu": s.limits_cpu, "memory": s.limits_memory},
        },
        "persistence": {"volumeClaim": volume_claim},
    }
    if s.platform.control_plane_image:
        stateful_set["image"] = {"repository": s.platform.control_plane_image}
    return stateful_set


def api_service(s: EffectiveSettings) -> dict[str, Any]:
    """A LoadBalancer for the API: a fixed VIP (MetalLB), or a pool address whose hostname external-dns
    publishes; 443 outside, the API's 8443 inside."""
    annotations = {}
    spec: dict[str, Any] = {"type": "LoadBalancer", "ports": [
        {"name": "https", "port": s.api_port, "protocol": "TCP", "targetPort": API_TARGET_PORT}]}
    if s.hostname:
        annotations[EXTERNAL_DNS_ANNOTATION] = s.hostname
    if s.vip:
        annotations[LOADBALANCER_IP_ANNOTATION] = s.vip
        spec["loadBalancerIP"] = s.vip
    return {"enabled": True, "annotations": annotations, "spec": spec}


def _monitoring(s: EffectiveSettings) -> dict[str, Any]:
    return {"enabled": True, "labels": {"cluster_role": "vcluster", "environment": s.environment,
                                        "vcluster_name": s.name, "vcluster_namespace": s.target_namespace}}


def _control_plane(s: EffectiveSettings) -> dict[str, Any]:
    sans = [x for x in (s.hostname, s.vip) if x]
    control_plane: dict[str, Any] = {
        "distro": {"k8s": {"enabled": True, "version": s.k8s_version}},
        "statefulSet": _stateful_set(s),
        "backingStore": copy.deepcopy(s.backing_store_values),
        "coredns": {
            "enabled": True,
            "deployment": {"replicas": s.coredns_replicas},
            "overwriteConfig": corefile(s),
        },
    }
    if sans:
        control_plane["proxy"] = {"extraSANs": sans}
    if s.exposure_mode == "loadBalancer":
        control_plane["service"] = api_service(s)
    if s.replicas > 1 and PDB_PATH in values_paths(s.values_schema_version):
        control_plane["advanced"] = {"podDisruptionBudget": {"enabled": True, "minAvailable": 1}}
    if s.platform.service_monitor:
        control_plane["serviceMonitor"] = _monitoring(s)
    return control_plane


def _integrations(s: EffectiveSettings) -> dict[str, Any]:
    """The chart's integrations; selector labels in the request sync the matching host ClusterIssuers and
    ClusterSecretStores into the vCluster (what the v1 `...SelectorLabels` fields have always meant)."""
    cert_manager: dict[str, Any] = {"enabled": s.cert_manager_sync}
    if s.cert_manager_sync and s.issuer_selector:
        cert_manager["sync"] = {"fromHost": {"clusterIssuers": {
            "enabled": True, "selector": {"labels": dict(s.issuer_selector)}}}}
    external_secrets: dict[str, Any] = {"enabled": s.external_secrets_sync}
    if s.external_secrets_sync and s.store_selector:
        external_secrets["sync"] = {"fromHost": {"clusterStores": {
            "enabled": True, "selector": {"matchLabels": dict(s.store_selector)}}}}
        external_secrets["webhook"] = {"enabled": True}
    return {"metricsServer": {"enabled": s.metrics_server}, "externalSecrets": external_secrets,
            "certManager": cert_manager}


def base_helm_values(s: EffectiveSettings) -> dict[str, Any]:
    """The values this platform sets, before helmOverrides."""
    export: dict[str, Any] = {"server": s.export_server}
    if s.export_context:
        export["context"] = s.export_context
    values: dict[str, Any] = {
        "controlPlane": _control_plane(s),
        "exportKubeConfig": export,
        "networking": {"advanced": {"clusterDomain": s.cluster_domain}},
        "sync": {"toHost": {"pods": {"enabled": True}}},
        "integrations": _integrations(s),
        "telemetry": {"enabled": False},
    }
    if s.isolation_mode == "strict":
        values["policies"] = {"networkPolicy": {"enabled": True}, "podSecurityStandard": "baseline"}
    return values


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return base with override merged in: mappings merge key by key, anything else is replaced."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def platform_helm_values(s: EffectiveSettings) -> dict[str, Any]:
    """Ours, then what the platform gives every tenant (VCLUSTER_PLATFORM_HELM_VALUES)."""
    return deep_merge(base_helm_values(s), s.platform.helm_values_object)


def render_helm_values(s: EffectiveSettings) -> dict[str, Any]:
    """Ours, then the platform's, then the request's helmOverrides."""
    return deep_merge(platform_helm_values(s), s.helm_overrides)
