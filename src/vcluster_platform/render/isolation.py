"""Strict isolation: default-deny NetworkPolicies plus the allows a vCluster needs, quota and limits."""

from __future__ import annotations

from typing import Any

from ..models import EffectiveSettings
from .meta import WAVE_RBAC, Obj, metadata, obj

NETPOL_API = "networking.k8s.io/v1"
QUOTA = {
    "dev": {"requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi",
            "pods": "50", "services.loadbalancers": "1", "persistentvolumeclaims": "20"},
    "prod": {"requests.cpu": "16", "requests.memory": "32Gi", "limits.cpu": "32", "limits.memory": "64Gi",
             "pods": "200", "services.loadbalancers": "2", "persistentvolumeclaims": "100"},
}
CONTAINER_DEFAULTS = {
    "default": {"cpu": "500m", "memory": "512Mi"},
    "defaultRequest": {"cpu": "50m", "memory": "64Mi"},
}
NFS_PORTS = ((2049, "TCP"), (2049, "UDP"), (111, "TCP"), (111, "UDP"))
API_SERVER_PORTS = (443, 6443)
VCLUSTER_API_TARGET_PORT = 8443


def _policy(s: EffectiveSettings, name: str, spec: dict[str, Any]) -> Obj:
    return obj(NETPOL_API, "NetworkPolicy", metadata(s, name, s.target_namespace, WAVE_RBAC), spec=spec)


def _control_plane_selector(s: EffectiveSettings) -> dict[str, Any]:
    return {"matchLabels": {"app": "vcluster", "release": s.name}}


def _ports(pairs: tuple[tuple[int, str], ...]) -> list[dict[str, Any]]:
    return [{"port": port, "protocol": proto} for port, proto in pairs]


def render_network_policies(s: EffectiveSettings) -> list[Obj]:
    n = s.name
    policies = [
        _policy(s, f"{n}-default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _policy(s, f"{n}-allow-dns", {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{
                "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                "ports": _ports(((53, "UDP"), (53, "TCP"))),
            }],
        }),
        _policy(s, f"{n}-allow-same-namespace", {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": {}}]}],
            "egress": [{"to": [{"podSelector": {}}]}],
        }),
        _policy(s, f"{n}-allow-host-api", {
            "podSelector": _control_plane_selector(s),
            "policyTypes": ["Egress"],
            "egress": [{"ports": _ports(tuple((p, "TCP") for p in API_SERVER_PORTS))}],
        }),
        _policy(s, f"{n}-allow-vcluster-api", {
            "podSelector": _control_plane_selector(s),
            "policyTypes": ["Ingress"],
            "ingress": [{"ports": _ports(((VCLUSTER_API_TARGET_PORT, "TCP"),))}],
        }),
    ]
    if s.enable_nfs:
        policies.append(_policy(s, f"{n}-allow-nfs", {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": s.nfs_cidr}}], "ports": _ports(NFS_PORTS)}],
        }))
    if s.extra_egress:
        policies.append(_policy(s, f"{n}-allow-extra-egress", {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [{"ipBlock": {"cidr": rule.cidr}}], "ports": [{"port": rule.port, "protocol": rule.protocol}]}
                for rule in s.extra_egress
            ],
        }))
    return policies


def render_quota(s: EffectiveSettings) -> list[Obj]:
    quota = obj("v1", "ResourceQuota", metadata(s, f"{s.name}-quota", s.target_namespace, WAVE_RBAC),
                spec={"hard": dict(QUOTA[s.preset])})
    limits = obj("v1", "LimitRange", metadata(s, f"{s.name}-limits", s.target_namespace, WAVE_RBAC),
                 spec={"limits": [{"type": "Container", **{k: dict(v) for k, v in CONTAINER_DEFAULTS.items()}}]})
    return [quota, limits]


def render_isolation(s: EffectiveSettings) -> list[Obj]:
    if s.isolation_mode != "strict":
        return []
    return [*render_network_policies(s), *render_quota(s)]
