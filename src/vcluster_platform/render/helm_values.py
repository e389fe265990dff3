"""Helm values for the vcluster chart, built as data (never YAML text) and deep-merged with helmOverrides.

Only the chosen store is emitted under `controlPlane.backingStore` (with the request's own chart fields for
it): also setting the embedded database to disabled next to an etcd made vCluster crash on a missing CA in a
real deployment.
"""

from __future__ import annotations

import copy
from typing import Any

from ..models import EffectiveSettings
from .coredns import corefile

LOADBALANCER_IP_ANNOTATION = "metallb.io/loadBalancerIPs"


def _control_plane(s: EffectiveSettings) -> dict[str, Any]:
    k8s: dict[str, Any] = {"enabled": True}
    if s.k8s_version:
        k8s["image"] = {"tag": s.k8s_version}
    volume_claim: dict[str, Any] = {"enabled": s.persistence_enabled, "size": s.persistence_size}
    if s.storage_class:
        volume_claim["storageClass"] = s.storage_class
    stateful_set = {
        "highAvailability": {"replicas": s.replicas},
        "resources": {
            "requests": {"cpu": s.requests_cpu, "memory": s.requests_memory},
            "limits": {"cpu": s.limits_cpu, "memory": s.limits_memory},
        },
        "persistence": {"volumeClaim": volume_claim},
    }
    sans = [x for x in (s.hostname, s.vip) if x]
    control_plane: dict[str, Any] = {
        "distro": {"k8s": k8s},
        "statefulSet": stateful_set,
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
        control_plane["service"] = {
            "annotations": {LOADBALANCER_IP_ANNOTATION: s.vip},
            "spec": {"type": "LoadBalancer", "loadBalancerIP": s.vip},
        }
    return control_plane


def base_helm_values(s: EffectiveSettings) -> dict[str, Any]:
    """The values this platform sets, before helmOverrides."""
    export: dict[str, Any] = {"server": s.export_server}
    if s.export_context:
        export["context"] = s.export_context
    values: dict[str, Any] = {
        "controlPlane": _control_plane(s),
        "exportKubeConfig": export,
        "networking": {"advanced": {"clusterDomain": s.cluster_domain}},
        "sync": {"toHost": {
            "pods": {"enabled": True},
            "services": {"enabled": True},
            "persistentVolumeClaims": {"enabled": True},
        }},
        "integrations": {
            "metricsServer": {"enabled": s.metrics_server},
            "externalSecrets": {"enabled": s.external_secrets_sync},
            "certManager": {"enabled": s.cert_manager_sync},
        },
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


def render_helm_values(s: EffectiveSettings) -> dict[str, Any]:
    return deep_merge(base_helm_values(s), s.helm_overrides)
