"""Baseline network policies of every tenant namespace (both isolation modes), plus NFS and extra egress.

Default deny in both directions, then the allows a running vCluster needs. On a Cilium host (platform
setting `cni: cilium`) two allows are CiliumNetworkPolicies, because plain NetworkPolicy cannot express
them: egress to the API server (`toEntities: [kube-apiserver]`) and LoadBalancer traffic that arrives
SNATed from a node (`fromEntities: [host, remote-node, world]`). Strict mode leaves out the internet egress.
"""

from __future__ import annotations

from typing import Any

from ..models import EffectiveSettings
from .meta import WAVE_RBAC, Obj, fit_name, metadata, obj

NETPOL_API = "networking.k8s.io/v1"
CILIUM_API = "cilium.io/v2"
NFS_PORTS = ((2049, "TCP"), (2049, "UDP"), (111, "TCP"), (111, "UDP"))
DNS_PORTS = ((53, "UDP"), (53, "TCP"))
INTERNET_PORTS = ((80, "TCP"), (443, "TCP"), (53, "UDP"), (53, "TCP"))
WEB_PORTS = ((80, "TCP"), (443, "TCP"))
API_SERVER_PORTS = ((443, "TCP"), (6443, "TCP"))
VCLUSTER_API_TARGET_PORT = 8443
METRICS_SERVER_PORT = 10250
LB_SNAT_ENTITIES = ["host", "remote-node", "world"]
# The chart's deployed etcd pods (label app=vcluster-etcd): reached by the control plane and each other only.
NOT_ETCD = {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["vcluster-etcd"]}]}


def _policy(s: EffectiveSettings, name: str, spec: dict[str, Any]) -> Obj:
    return obj(NETPOL_API, "NetworkPolicy", metadata(s, fit_name(f"{s.name}-{name}"), s.target_namespace, WAVE_RBAC),
               spec=spec)


def _cilium_policy(s: EffectiveSettings, name: str, spec: dict[str, Any]) -> Obj:
    return obj(CILIUM_API, "CiliumNetworkPolicy",
               metadata(s, fit_name(f"{s.name}-{name}"), s.target_namespace, WAVE_RBAC), spec=spec)


def control_plane_labels(s: EffectiveSettings) -> dict[str, str]:
    """Labels the chart puts on the vCluster control-plane (syncer) pods."""
    return {"app": "vcluster", "release": s.name}


def _ports(pairs: tuple[tuple[int, str], ...]) -> list[dict[str, Any]]:
    return [{"port": port, "protocol": proto} for port, proto in pairs]


def _namespace_peer(namespace: str, pod_labels: dict[str, str] | None = None) -> dict[str, Any]:
    peer: dict[str, Any] = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}
    if pod_labels:
        peer["podSelector"] = {"matchLabels": pod_labels}
    return peer


def _egress(selector: dict[str, Any], rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {"podSelector": selector, "policyTypes": ["Egress"], "egress": rules}


def _dns(s: EffectiveSettings) -> list[Obj]:
    """Cluster DNS, and a node-local DNS cache where the platform has one (on Cilium its address is the
    host's, which an ipBlock cannot select, so it is a CiliumNetworkPolicy toCIDR rule there)."""
    peers: list[dict[str, Any]] = [_namespace_peer("kube-system", {"k8s-app": "kube-dns"})]
    cache = list(s.platform.node_local_dns)
    if s.platform.cni != "cilium":
        peers += [{"ipBlock": {"cidr": cidr}} for cidr in cache]
    policies = [_policy(s, "allow-dns", _egress({}, [{"to": peers, "ports": _ports(DNS_PORTS)}]))]
    if s.platform.cni == "cilium" and cache:
        policies.append(_cilium_policy(s, "allow-node-local-dns", {"endpointSelector": {}, "egress": [{
            "toCIDR": cache,
            "toPorts": [{"ports": [{"port": str(port), "protocol": proto} for port, proto in DNS_PORTS]}]}]}))
    return policies


def _host_api(s: EffectiveSettings) -> Obj:
    """Every pod of the namespace may reach the host API server: the control plane syncs through it, and the
    platform replicates the host's default/kubernetes Service into each vCluster, so workloads that use it
    reach the host API too (the running tenants allow this; narrowing it belongs to the trust model)."""
    if s.platform.cni == "cilium":
        return _cilium_policy(s, "allow-host-api", {
            "endpointSelector": {}, "egress": [{"toEntities": ["kube-apiserver"]}]})
    rule: dict[str, Any] = {"ports": _ports(API_SERVER_PORTS)}
    if s.platform.api_server_cidrs:
        rule["to"] = [{"ipBlock": {"cidr": cidr}} for cidr in s.platform.api_server_cidrs]
    return _policy(s, "allow-host-api", _egress({}, [rule]))


def _vcluster_api(s: EffectiveSettings) -> list[Obj]:
    control_plane = {"matchLabels": control_plane_labels(s)}
    sources = [_namespace_peer(s.platform.argocd_namespace), _namespace_peer(s.gateway_namespace)]
    sources += [{"ipBlock": {"cidr": cidr}} for cidr in s.platform.lan_cidrs]
    api_port = ((VCLUSTER_API_TARGET_PORT, "TCP"),)
    policies = [_policy(s, "allow-vcluster-api", {
        "podSelector": control_plane, "policyTypes": ["Ingress"],
        "ingress": [{"from": sources, "ports": _ports(api_port)}]})]
    if s.platform.cni == "cilium":
        policies.append(_cilium_policy(s, "allow-lb-snat", {
            "endpointSelector": control_plane,
            "ingress": [{"fromEntities": list(LB_SNAT_ENTITIES),
                         "toPorts": [{"ports": [{"port": str(VCLUSTER_API_TARGET_PORT), "protocol": "TCP"}]}]}]}))
    return policies


def _baseline(s: EffectiveSettings) -> list[Obj]:
    control_plane = {"matchLabels": control_plane_labels(s)}
    policies = [
        _policy(s, "default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        *_dns(s),
        _policy(s, "allow-same-namespace", {
            "podSelector": {}, "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": {}}]}], "egress": [{"to": [{"podSelector": {}}]}]}),
        _host_api(s),
        *_vcluster_api(s),
        _policy(s, "allow-monitoring", {
            "podSelector": NOT_ETCD, "policyTypes": ["Ingress"],
            "ingress": [{"from": [_namespace_peer(s.platform.monitoring_namespace)]}]}),
        *_ingress_controllers(s),
        _policy(s, "allow-metrics-server", _egress(control_plane, [{
            "to": [_namespace_peer("kube-system", {"app.kubernetes.io/name": "metrics-server"})],
            "ports": _ports(((METRICS_SERVER_PORT, "TCP"),))}])),
    ]
    if s.isolation_mode != "strict":
        policies.append(_policy(s, "allow-internet", _egress({}, [{
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(s.platform.private_cidrs)}}],
            "ports": _ports(INTERNET_PORTS)}])))
        policies.append(_policy(s, "allow-web", {
            "podSelector": {}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": _ports(WEB_PORTS)}]}))
    return policies


def _ingress_controllers(s: EffectiveSettings) -> list[Obj]:
    """The host's ingress/gateway controllers reach every tenant pod but etcd: the tenant's Ingresses and routes
    are synced to the host and served there, on whatever ports its workloads listen."""
    if not s.platform.ingress_namespaces:
        return []
    return [_policy(s, "allow-ingress-gateways", {
        "podSelector": NOT_ETCD, "policyTypes": ["Ingress"],
        "ingress": [{"from": [_namespace_peer(ns) for ns in s.platform.ingress_namespaces]}]})]


def _requested_egress(s: EffectiveSettings) -> list[Obj]:
    policies = []
    if s.enable_nfs:
        policies.append(_policy(s, "allow-nfs", _egress({}, [{
            "to": [{"ipBlock": {"cidr": cidr}} for cidr in s.nfs_cidrs], "ports": _ports(NFS_PORTS)}])))
    for rule in s.extra_egress:
        policies.append(_policy(s, f"allow-egress-{rule.name}", _egress({}, [{
            "to": [{"ipBlock": {"cidr": rule.cidr}}], "ports": [{"port": rule.port, "protocol": rule.protocol}]}])))
    return policies


def render_network_policies(s: EffectiveSettings) -> list[Obj]:
    """Every tenant gets the baseline unless its request opts out (networkPolicies.baseline: false)."""
    if not s.network_baseline:
        return []
    return [*_baseline(s), *_requested_egress(s)]
