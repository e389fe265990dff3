"""The connections a tenant has, as concrete endpoints: what its control plane, etcd and workloads must reach
and be reached by (needed), and what the platform keeps apart (probes: another tenant, an undeclared address,
the internet on other ports). Built from one request's effective settings, so the running side's policies and
ours are judged on the same flows."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..models import EffectiveSettings
from ..render.backup import BACKUP_COMPONENT
from ..render.backup import COMPONENT_LABEL as BACKUP_LABEL
from .evaluate import Endpoint, host, pod

CHART_CONTROL_PLANE = "vcluster"
CHART_ETCD = "vcluster-etcd"
MANAGED_BY = "vcluster.loft.sh/managed-by"
NODE_LOCAL_DNS_DEFAULT = "169.254.116.108"  # the address node-local-dns caches listen on by default
IN_CLUSTER_API = "10.96.0.1"  # the kubernetes Service, when the platform does not name the API server


@dataclass(frozen=True)
class Flow:
    name: str
    src: Endpoint
    dst: Endpoint
    port: int
    proto: str
    needed: bool  # the tenant breaks without it (else a probe the platform may deny)

    def describe(self) -> str:
        return f"{self.name}: {_where(self.src)} → {_where(self.dst)}:{self.port}/{self.proto}"


def _where(e: Endpoint) -> str:
    if e.namespace is None:
        return f"{e.ip} ({', '.join(sorted(e.entities))})"
    labels = ",".join(f"{k}={v}" for k, v in sorted(e.labels.items()))
    return f"{e.namespace}/{labels or 'any pod'}"


def _address_in(cidr: str, offset: int) -> str:
    network = ipaddress.ip_network(cidr, strict=False)
    return str(network.network_address + min(offset, max(network.num_addresses - 2, 0)))


@dataclass(frozen=True)
class Tenant:
    """The tenant's own endpoints."""

    control_plane: Endpoint
    etcd: tuple[Endpoint, Endpoint]
    workload: Endpoint


def tenant_of(s: EffectiveSettings) -> Tenant:
    ns, release = s.target_namespace, s.name
    etcd = (pod(ns, "10.244.1.11", app=CHART_ETCD, release=release),
            pod(ns, "10.244.2.11", app=CHART_ETCD, release=release))
    return Tenant(pod(ns, "10.244.1.10", app=CHART_CONTROL_PLANE, release=release), etcd,
                  pod(ns, "10.244.1.20", **{MANAGED_BY: release}))


def _platform_endpoints(s: EffectiveSettings) -> dict[str, Endpoint]:
    p = s.platform
    lan = p.lan_cidrs[0] if p.lan_cidrs else "192.168.0.0/16"
    api = _address_in(p.api_server_cidrs[0], 0) if p.api_server_cidrs else IN_CLUSTER_API
    dns_cache = _address_in(p.node_local_dns[0], 0) if p.node_local_dns else NODE_LOCAL_DNS_DEFAULT
    return {
        "kube-dns": pod("kube-system", "10.244.0.5", **{"k8s-app": "kube-dns"}),
        "metrics-server": pod("kube-system", "10.244.0.6", **{"app.kubernetes.io/name": "metrics-server"}),
        "node-local DNS": host(dns_cache, "host"),
        "host API server": host(api, "kube-apiserver", "host"),
        "a node (load balancer SNAT)": host(_address_in(lan, 21), "remote-node"),
        "a LAN client": host(_address_in(lan, 50)),
        "the internet": host("93.184.216.34"),
        "ArgoCD": pod(p.argocd_namespace, "10.244.3.6", **{"app.kubernetes.io/name": "argocd-application-controller"}),
        "the gateway": pod(s.gateway_namespace, "10.244.3.5", app="gateway"),
        "Prometheus": pod(p.monitoring_namespace, "10.244.3.7", app="prometheus"),
        "another tenant": pod("vcluster-another-tenant", "10.244.4.10", app=CHART_CONTROL_PLANE, release="another"),
    }


def tenant_flows(s: EffectiveSettings) -> list[Flow]:
    """Every flow judged for this tenant, needed ones first."""
    t, e = tenant_of(s), _platform_endpoints(s)
    cp, wl = t.control_plane, t.workload
    needed = [
        ("control plane to host API", cp, e["host API server"], 6443, "TCP"),
        ("control plane to cluster DNS", cp, e["kube-dns"], 53, "UDP"),
        ("control plane to cluster DNS over TCP", cp, e["kube-dns"], 53, "TCP"),
        ("control plane to node-local DNS", cp, e["node-local DNS"], 53, "UDP"),
        ("workload to cluster DNS", wl, e["kube-dns"], 53, "UDP"),
        ("workload to node-local DNS", wl, e["node-local DNS"], 53, "UDP"),
        ("control plane to etcd", cp, t.etcd[0], 2379, "TCP"),
        ("etcd peers", t.etcd[0], t.etcd[1], 2380, "TCP"),
        ("control plane to metrics-server", cp, e["metrics-server"], 10250, "TCP"),
        ("load balancer via a node (SNAT) to the vCluster API", e["a node (load balancer SNAT)"], cp, 8443, "TCP"),
        ("LAN client to the vCluster API", e["a LAN client"], cp, 8443, "TCP"),
        ("ArgoCD to the vCluster API", e["ArgoCD"], cp, 8443, "TCP"),
        ("gateway to the vCluster API", e["the gateway"], cp, 8443, "TCP"),
        ("Prometheus scrapes a workload", e["Prometheus"], wl, 9090, "TCP"),
        ("workload to host API", wl, e["host API server"], 6443, "TCP"),
        *_requested(s, wl),
        *_backup(s, t, e),
    ]
    if s.exposure_mode == "loadBalancer":  # clients keep their source address through the load balancer
        needed.append(("a client to the vCluster API through the load balancer", e["the internet"], cp, 8443,
                       "TCP"))
    if s.isolation_mode != "strict":
        needed.append(("workload to the internet over HTTPS", wl, e["the internet"], 443, "TCP"))
    probes = [
        ("another tenant to the vCluster API", e["another tenant"], cp, 8443, "TCP"),
        ("another tenant to etcd", e["another tenant"], t.etcd[0], 2379, "TCP"),
        ("workload to another tenant", wl, e["another tenant"], 8443, "TCP"),
        ("the internet to etcd", e["the internet"], t.etcd[0], 2379, "TCP"),
        ("workload to the internet over SSH", wl, e["the internet"], 22, "TCP"),
        ("workload to a LAN address over HTTPS", wl, e["a LAN client"], 443, "TCP"),
        ("Prometheus to etcd", e["Prometheus"], t.etcd[0], 2379, "TCP"),
        ("gateway to etcd", e["the gateway"], t.etcd[0], 2379, "TCP"),
    ]
    return [Flow(*f, needed=True) for f in needed] + [Flow(*f, needed=False) for f in probes]


def _requested(s: EffectiveSettings, workload: Endpoint) -> list[tuple[str, Endpoint, Endpoint, int, str]]:
    """NFS and each extraEgress rule the request asks for."""
    flows = [(f"workload to NFS {cidr}", workload, host(_address_in(cidr, 5)), 2049, "TCP")
             for cidr in (s.nfs_cidrs if s.enable_nfs else ())]
    flows += [(f"workload to {rule.name} (extraEgress)", workload, host(_address_in(rule.cidr, 1)), rule.port,
               rule.protocol) for rule in s.extra_egress]
    return flows


def _backup(s: EffectiveSettings, t: Tenant, e: dict[str, Endpoint]) -> list[tuple[str, Endpoint, Endpoint, int, str]]:
    """The snapshot pod resolves the etcd Service and reaches a member (a tenant with backups only)."""
    if not s.value("backup.enabled"):
        return []
    backup = pod(s.target_namespace, "10.244.1.30", **{BACKUP_LABEL: BACKUP_COMPONENT})
    return [("etcd backup to etcd", backup, t.etcd[1], 2379, "TCP"),
            ("etcd backup to cluster DNS", backup, e["kube-dns"], 53, "UDP")]
