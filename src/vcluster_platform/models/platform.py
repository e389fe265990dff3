"""Platform-level settings: facts about the host installation, set once where the promise is installed.

They come from environment variables of the pipeline container (the generated promise.yaml lists each one
with its default), never from a request: a tenant cannot widen its own network policies by naming another
LAN range or monitoring namespace.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import InvalidRequest, Problem
from ..sync_script import SYNC_IMAGE
from .names import check_label
from .rules import K8S_VERSION_PATTERN, check_ipv4_cidr, is_pinned_image

Cni = Literal["kubernetes", "cilium"]
CNI_FLAVOURS: tuple[Cni, ...] = ("kubernetes", "cilium")
EXPOSURES = ("loadBalancer", "tlsRoute", "httpRoute")
RFC1918 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
# What the running installation gives every tenant's chart: a critical priority and parallel start for the
# control plane, JSON logs, the host's API Service inside, MetalLB inside, ingress/network-policy/volume
# sync to the host, ingress and storage classes from it, and the 1Password token the tenant's
# external-secrets reads (synced from the host, readable by the syncer's ClusterRole).
HELM_VALUES = json.dumps({
    "controlPlane": {"statefulSet": {"imagePullPolicy": "Always", "scheduling": {
        "podManagementPolicy": "Parallel", "priorityClassName": "system-cluster-critical"}}},
    "deploy": {"metallb": {"enabled": True}},
    "logging": {"encoding": "json"},
    "networking": {"replicateServices": {"fromHost": [{"from": "default/kubernetes", "to": "default/kubernetes"}]}},
    "rbac": {"clusterRole": {"enabled": True, "extraRules": [{
        "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["eso-onepassword-token"],
        "verbs": ["get", "list", "watch"]}]}},
    "sync": {
        "fromHost": {"ingressClasses": {"enabled": True}, "storageClasses": {"enabled": True}, "secrets": {
            "enabled": True, "mappings": {"byName": {
                "external-secrets/eso-onepassword-token": "external-secrets/eso-onepassword-token"}}}},
        "toHost": {"ingresses": {"enabled": True}, "networkPolicies": {"enabled": True},
                   "persistentVolumes": {"enabled": True}},
    },
}, sort_keys=True)
K8S_VERSION = re.compile(K8S_VERSION_PATTERN)
# What the running installation's ApplicationSets select on and read: every tenant's ArgoCD cluster secret
# carries them (a request's own clusterLabels/clusterAnnotations win key by key).
CLUSTER_LABELS = (
    ("cluster_type", "vcluster"), ("enable_argocd", "true"), ("enable_cert_manager", "true"),
    ("enable_external_dns", "true"), ("enable_external_secrets", "true"), ("enable_gateway_api_crds", "true"),
    ("enable_nginx_gateway_fabric", "true"),
)
CLUSTER_ANNOTATIONS = (
    ("addons_repo_url", "https://github.com/jamesatintegratnio/gitops_homelab_2_0.git"),
    ("addons_repo_basepath", "addons/"), ("addons_repo_path", "charts/application-sets"),
    ("addons_repo_revision", "main"), ("cert_manager_namespace", "cert-manager"),
    ("external_dns_namespace", "external-dns"), ("nfs_subdir_external_provisioner_namespace", "nfs-provisioner"),
    ("managed-by", "argocd.argoproj.io"),
    ("workload_repo_url", "https://github.com/jamesatintegratnio/gitops_homelab_2_0"),
    ("workload_repo_basepath", ""), ("workload_repo_path", "workloads"), ("workload_repo_revision", "main"),
)


@dataclass(frozen=True)
class PlatformSettings:
    """What every tenant's baseline network policies and cluster plumbing assume about the host."""

    # The network settings of the platform this product serves, as its running tenants show them (Cilium, a
    # node-local DNS cache, the API server's address, the LAN and NFS ranges): a render with the defaults is
    # what production renders, and `migrate check` compares like with like.
    cni: Cni = "cilium"
    argocd_namespace: str = "argocd"
    argocd_url: str = ""  # base URL of the ArgoCD UI; status.endpoints.argocd links each tenant's Application
    monitoring_namespace: str = "monitoring"
    ingress_namespaces: tuple[str, ...] = ("nginx-gateway",)
    lan_cidrs: tuple[str, ...] = ("10.0.0.0/8", "192.168.0.0/16")
    private_cidrs: tuple[str, ...] = RFC1918
    nfs_cidrs: tuple[str, ...] = ("10.0.0.0/8",)
    api_server_cidrs: tuple[str, ...] = ("10.0.1.139/32",)
    node_local_dns: tuple[str, ...] = ("169.254.116.108/32",)
    default_exposure: str = "loadBalancer"
    # MetalLB hands out 10.0.4.200-253 here, and today's pipeline computes a VIP as subnet + 200 (a fix moved it
    # from the seeds' 100): a VIP outside every pool would stay Pending.
    vip_offset: int = 200
    load_balancer_pools: tuple[str, ...] = ("10.0.4.200-10.0.4.253",)
    k8s_version: str = "v1.34.3"
    control_plane_image: str = "loft-sh/vcluster-oss"
    service_monitor: bool = True
    base_domain: str = "integratn.tech"
    cluster_labels: tuple[tuple[str, str], ...] = CLUSTER_LABELS
    cluster_annotations: tuple[tuple[str, str], ...] = CLUSTER_ANNOTATIONS
    project_labels: tuple[tuple[str, str], ...] = (("argocd.argoproj.io/project-group", "appteam"),)
    helm_values: str = HELM_VALUES  # JSON: chart values every tenant gets, before its own helmOverrides
    # What a request may point at (models/boundary.py): the sources ArgoCD installs from and the clusters it
    # installs into, where images come from, where the 1Password Connect token may be sent.
    chart_repos: tuple[str, ...] = ("https://charts.loft.sh",)
    destination_servers: tuple[str, ...] = ("https://kubernetes.default.svc",)
    image_registries: tuple[str, ...] = ("ghcr.io", "registry.k8s.io")
    connect_hosts: tuple[str, ...] = ("http://onepassword-connect.onepassword.svc.cluster.local:8080",)
    job_image: str = SYNC_IMAGE  # the platform's own Jobs (kubeconfig sync, etcd certificate merge)
    backup_storage_class: str = "config-nfs-client"  # the claim for a tenant's etcd snapshots (NFS-backed here)

    @property
    def helm_values_object(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.helm_values) if self.helm_values else {}
        return parsed


# environment variable → (attribute, kind, help); the promise.yaml and the README are generated from this table
PLATFORM_ENV: dict[str, tuple[str, str, str]] = {
    "VCLUSTER_PLATFORM_CNI": (
        "cni", "cni", "`kubernetes` (NetworkPolicy only) or `cilium` (adds CiliumNetworkPolicies for the API "
        "server entity and SNATed LoadBalancer traffic)"),
    "VCLUSTER_PLATFORM_ARGOCD_NAMESPACE": (
        "argocd_namespace", "namespace", "namespace of ArgoCD, allowed to reach the vCluster API"),
    "VCLUSTER_PLATFORM_ARGOCD_URL": (
        "argocd_url", "url", "base URL of the ArgoCD UI (https://argocd.example.com); each request's "
                             "status.endpoints.argocd links its Application there; empty: no link"),
    "VCLUSTER_PLATFORM_MONITORING_NAMESPACE": (
        "monitoring_namespace", "namespace", "namespace of the Prometheus stack, allowed to scrape tenant pods"),
    "VCLUSTER_PLATFORM_INGRESS_NAMESPACES": (
        "ingress_namespaces", "namespaces", "namespaces of the host's ingress/gateway controllers, allowed to "
                                            "reach every tenant pod (the tenant's synced Ingresses and routes)"),
    "VCLUSTER_PLATFORM_LAN_CIDRS": (
        "lan_cidrs", "cidrs", "comma-separated ranges allowed to reach the vCluster API (8443)"),
    "VCLUSTER_PLATFORM_PRIVATE_CIDRS": (
        "private_cidrs", "cidrs", "ranges excluded from the internet egress allow (80/443/53)"),
    "VCLUSTER_PLATFORM_NFS_CIDRS": (
        "nfs_cidrs", "cidrs", "where NFS servers live (networkPolicies.enableNFS; a request's nfsCIDR wins)"),
    "VCLUSTER_PLATFORM_API_SERVER_CIDRS": (
        "api_server_cidrs", "cidrs", "host API server addresses; empty: ports 443/6443 to any address "
                                     "(kubernetes flavour; cilium uses the kube-apiserver entity)"),
    "VCLUSTER_PLATFORM_NODE_LOCAL_DNS": (
        "node_local_dns", "cidrs", "node-local DNS cache addresses (e.g. 169.254.116.108/32); empty: none"),
    "VCLUSTER_PLATFORM_DEFAULT_EXPOSURE": (
        "default_exposure", "exposure", "how a request with a hostname and no exposure.mode is exposed: "
        "loadBalancer (pool address, hostname published by external-dns), tlsRoute or httpRoute"),
    "VCLUSTER_PLATFORM_VIP_OFFSET": (
        "vip_offset", "offset", "a request's VIP is its exposure.subnet's network address plus this, unless it "
                                "sets exposure.vip or exposure.vipOffset"),
    "VCLUSTER_PLATFORM_LOAD_BALANCER_POOLS": (
        "load_balancer_pools", "ranges", "the load balancer's address pools (first-last or CIDR, "
                                         "comma-separated); a VIP outside them is refused; empty: not checked"),
    "VCLUSTER_PLATFORM_K8S_VERSION": (
        "k8s_version", "k8s_version", "Kubernetes version of a control plane whose request names none"),
    "VCLUSTER_PLATFORM_CONTROL_PLANE_IMAGE": (
        "control_plane_image", "text", "control-plane image repository (chart "
                                       "controlPlane.statefulSet.image.repository); empty: the chart's"),
    "VCLUSTER_PLATFORM_SERVICE_MONITOR": (
        "service_monitor", "bool", "render the vCluster ServiceMonitor (needs the Prometheus operator's CRDs)"),
    "VCLUSTER_PLATFORM_BASE_DOMAIN": (
        "base_domain", "text", "base domain written to each cluster secret's platform.integratn.tech/base-domain"),
    "VCLUSTER_PLATFORM_CLUSTER_LABELS": (
        "cluster_labels", "pairs", "labels on every ArgoCD cluster secret (key=value,...), e.g. the "
                                   "enable_* selectors of the add-on ApplicationSets"),
    "VCLUSTER_PLATFORM_PROJECT_LABELS": (
        "project_labels", "pairs", "labels on every tenant's ArgoCD AppProject (key=value,...)"),
    "VCLUSTER_PLATFORM_HELM_VALUES": (
        "helm_values", "json", "vcluster chart values every tenant gets (a JSON object), merged over the "
                               "platform's own and under each request's helmOverrides"),
    "VCLUSTER_PLATFORM_CHART_REPOS": (
        "chart_repos", "urls", "chart repositories a request's argocdApplication.repoURL may name"),
    "VCLUSTER_PLATFORM_DESTINATION_SERVERS": (
        "destination_servers", "urls", "clusters a request's argocdApplication.destinationServer may name"),
    "VCLUSTER_PLATFORM_IMAGE_REGISTRIES": (
        "image_registries", "hosts", "registries an image in a request's helmOverrides or backingStore may "
                                     "come from (a chart image's registry, a reference's host; docker.io when "
                                     "it names none)"),
    "VCLUSTER_PLATFORM_CONNECT_HOSTS": (
        "connect_hosts", "urls", "1Password Connect endpoints a request may name (https, or the cluster's own "
                                 "service address)"),
    "VCLUSTER_PLATFORM_JOB_IMAGE": (
        "job_image", "image", "image of the platform's own Jobs (kubeconfig sync, etcd certificate merge): a "
                              "Python 3.11 image pinned by tag or, better, by digest (name@sha256:...)"),
    "VCLUSTER_PLATFORM_BACKUP_STORAGE_CLASS": (
        "backup_storage_class", "text", "StorageClass of the claim the platform creates for a tenant's etcd "
                                        "snapshots when its request names no backup destination; empty: the "
                                        "cluster default"),
    "VCLUSTER_PLATFORM_CLUSTER_ANNOTATIONS": (
        "cluster_annotations", "pairs", "annotations on every ArgoCD cluster secret (key=value,...), e.g. the "
                                        "add-on and workload repositories the ApplicationSets read"),
}


def _cidrs(variable: str, raw: str, problems: list[Problem]) -> tuple[str, ...]:
    """Comma-separated IPv4 CIDRs, each checked as a request's CIDR fields are."""
    out = []
    for item in (part.strip() for part in raw.split(",") if part.strip()):
        try:
            out.append(check_ipv4_cidr(item))
        except ValueError as exc:
            problems.append(Problem(f"env {variable}", item, f"{exc}; comma-separated"))
    return tuple(out)


def _namespace(variable: str, raw: str, problems: list[Problem]) -> str:
    try:
        return check_label(raw)
    except ValueError as exc:
        problems.append(Problem(f"env {variable}", raw, str(exc)))
        return raw


def _namespaces(variable: str, raw: str, problems: list[Problem]) -> tuple[str, ...]:
    return tuple(_namespace(variable, part.strip(), problems) for part in raw.split(",") if part.strip())


def _choice(allowed: tuple[str, ...]) -> Callable[[str, str, list[Problem]], str]:
    def parse(variable: str, raw: str, problems: list[Problem]) -> str:
        if raw not in allowed:
            problems.append(Problem(f"env {variable}", raw, "allowed: " + ", ".join(allowed)))
        return raw
    return parse


def _k8s_version(variable: str, raw: str, problems: list[Problem]) -> str:
    if not K8S_VERSION.match(raw):
        problems.append(Problem(f"env {variable}", raw, "allowed: a Kubernetes version such as v1.34.3"))
    return raw


def _bool(variable: str, raw: str, problems: list[Problem]) -> bool:
    if raw.lower() not in ("true", "false"):
        problems.append(Problem(f"env {variable}", raw, "allowed: true, false"))
    return raw.lower() == "true"


def _pairs(variable: str, raw: str, problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    """`key=value,key=value` (a value may be empty); keys must be valid label or annotation keys."""
    out = []
    for item in (part.strip() for part in raw.split(",")):
        key, sep, value = item.partition("=")
        if not item:
            continue
        if not sep or not _QUALIFIED_KEY.match(key):
            problems.append(Problem(f"env {variable}", item, "allowed: key=value pairs separated by commas, "
                                                                  "keys like enable_cert_manager or example.com/x"))
            continue
        out.append((key, value))
    return tuple(out)


def _offset(variable: str, raw: str, problems: list[Problem]) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65534:
        problems.append(Problem(f"env {variable}", raw, "allowed: a whole number from 1 to 65534"))
        return 1
    return int(raw)


def _ranges(variable: str, raw: str, problems: list[Problem]) -> tuple[str, ...]:
    """Comma-separated IPv4 address ranges, each `first-last` or a CIDR."""
    out = []
    for item in (part.strip() for part in raw.split(",") if part.strip()):
        try:
            address_range(item)
        except ValueError as exc:
            problems.append(Problem(f"env {variable}", item, f"allowed: first-last or a CIDR ({exc})"))
            continue
        out.append(item)
    return tuple(out)


def address_range(text: str) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]:
    """(first, last) of `first-last` or of a CIDR (ValueError otherwise)."""
    if "-" in text:
        first, _, last = text.partition("-")
        lo, hi = ipaddress.IPv4Address(first.strip()), ipaddress.IPv4Address(last.strip())
        if hi < lo:
            raise ValueError(f"{hi} comes before {lo}")
        return lo, hi
    net = ipaddress.IPv4Network(check_ipv4_cidr(text))
    return net.network_address, net.broadcast_address


def in_pools(address: str, pools: tuple[str, ...]) -> bool:
    ip = ipaddress.IPv4Address(address)
    return any(lo <= ip <= hi for lo, hi in map(address_range, pools))


def _urls(variable: str, raw: str, problems: list[Problem]) -> tuple[str, ...]:
    out = []
    for item in (part.strip() for part in raw.split(",") if part.strip()):
        if _url(variable, item, problems):
            out.append(item.rstrip("/"))
    return tuple(out)


def _hosts(variable: str, raw: str, problems: list[Problem]) -> tuple[str, ...]:
    out = []
    for item in (part.strip() for part in raw.split(",") if part.strip()):
        if not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", item):
            problems.append(Problem(f"env {variable}", item, "allowed: registry hosts such as ghcr.io or "
                                                                  "registry.example.com:5000, comma-separated"))
            continue
        out.append(item)
    return tuple(out)


def _image(variable: str, raw: str, problems: list[Problem]) -> str:
    if not is_pinned_image(raw):
        problems.append(Problem(f"env {variable}", raw, "allowed: an image pinned by tag or digest "
                                                             "(name:tag or name@sha256:<64 hex>), never latest"))
    return raw


def _json_object(variable: str, raw: str, problems: list[Problem]) -> str:
    if not raw:
        return ""
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        problems.append(Problem(f"env {variable}", raw[:60], f"allowed: a JSON object of chart values ({exc})"))
        return ""
    if not isinstance(parsed, dict):
        problems.append(Problem(f"env {variable}", parsed, "allowed: a JSON object of chart values"))
        return ""
    return json.dumps(parsed, sort_keys=True)


def _url(variable: str, raw: str, problems: list[Problem]) -> str:
    if raw and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s?#]*)?", raw):
        problems.append(Problem(f"env {variable}", raw, "allowed: an http(s) URL without query, e.g. "
                                                             "https://argocd.example.com, or empty"))
        return ""
    return raw.rstrip("/")


_QUALIFIED_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_PARSERS: dict[str, Callable[[str, str, list[Problem]], Any]] = {
    "cni": _choice(CNI_FLAVOURS),
    "exposure": _choice(EXPOSURES),
    "namespace": _namespace,
    "namespaces": _namespaces,
    "k8s_version": _k8s_version,
    "text": lambda _variable, raw, _problems: raw,
    "url": _url,
    "bool": _bool,
    "pairs": _pairs,
    "json": _json_object,
    "offset": _offset,
    "ranges": _ranges,
    "urls": _urls,
    "image": _image,
    "hosts": _hosts,
}


def platform_from_env(environ: Mapping[str, str] | None = None) -> PlatformSettings:
    """Platform settings from VCLUSTER_PLATFORM_* variables. Unset ones keep their defaults; an empty value
    means "none" for lists and text, and the default for the others."""
    env = os.environ if environ is None else environ
    problems: list[Problem] = []
    values: dict[str, object] = {}
    for variable, (attr, kind, _help) in PLATFORM_ENV.items():
        if variable not in env:
            continue
        raw = env[variable].strip()
        if not raw and kind not in ("cidrs", "pairs", "text", "json", "namespaces", "url", "ranges",
                                                 "urls", "hosts"):
            continue
        if kind in _PARSERS:
            values[attr] = _PARSERS[kind](variable, raw, problems)
        else:
            values[attr] = _cidrs(variable, raw, problems)
    if problems:
        raise InvalidRequest(problems)
    return PlatformSettings(**values)  # type: ignore[arg-type]


def platform_env_defaults() -> list[dict[str, str]]:
    """The pipeline container's `env`: every platform variable with its default, for installers to edit."""
    defaults = PlatformSettings()
    out = []
    for variable, (attr, _kind, _help) in PLATFORM_ENV.items():
        out.append({"name": variable, "value": env_text(getattr(defaults, attr))})
    return out


def env_text(value: Any) -> str:
    """A setting as its environment variable spells it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(f"{item[0]}={item[1]}" if isinstance(item, tuple) else str(item) for item in value)
    return str(value)
