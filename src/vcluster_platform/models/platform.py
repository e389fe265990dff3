"""Platform-level settings: facts about the host installation, set once where the promise is installed.

They come from environment variables of the pipeline container (the generated promise.yaml lists each one
with its default), never from a request: a tenant cannot widen its own network policies by naming another
LAN range or monitoring namespace.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from ..errors import FieldProblem, InvalidRequest
from .names import check_label

Cni = Literal["kubernetes", "cilium"]
CNI_FLAVOURS: tuple[Cni, ...] = ("kubernetes", "cilium")
RFC1918 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


@dataclass(frozen=True)
class PlatformSettings:
    """What every tenant's baseline network policies and cluster plumbing assume about the host."""

    cni: Cni = "kubernetes"
    argocd_namespace: str = "argocd"
    monitoring_namespace: str = "monitoring"
    lan_cidrs: tuple[str, ...] = RFC1918
    private_cidrs: tuple[str, ...] = RFC1918
    nfs_cidrs: tuple[str, ...] = RFC1918
    api_server_cidrs: tuple[str, ...] = ()
    node_local_dns: tuple[str, ...] = ()


# environment variable → (attribute, kind, help); the promise.yaml and the README are generated from this table
PLATFORM_ENV: dict[str, tuple[str, str, str]] = {
    "VCLUSTER_PLATFORM_CNI": (
        "cni", "cni", "`kubernetes` (NetworkPolicy only) or `cilium` (adds CiliumNetworkPolicies for the API "
        "server entity and SNATed LoadBalancer traffic)"),
    "VCLUSTER_PLATFORM_ARGOCD_NAMESPACE": (
        "argocd_namespace", "namespace", "namespace of ArgoCD, allowed to reach the vCluster API"),
    "VCLUSTER_PLATFORM_MONITORING_NAMESPACE": (
        "monitoring_namespace", "namespace", "namespace of the Prometheus stack, allowed to scrape tenant pods"),
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
}


def _cidrs(variable: str, raw: str, problems: list[FieldProblem]) -> tuple[str, ...]:
    out = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            net = ipaddress.ip_network(item, strict=True)
        except ValueError:
            problems.append(FieldProblem(f"env {variable}", item, "allowed: IPv4 CIDRs with host bits zero, "
                                                                   "comma-separated (e.g. 10.0.0.0/8,192.168.0.0/16)"))
            continue
        if net.version != 4:
            problems.append(FieldProblem(f"env {variable}", item, "allowed: IPv4 CIDRs; IPv6 is not supported"))
            continue
        out.append(item)
    return tuple(out)


def platform_from_env(environ: Mapping[str, str] | None = None) -> PlatformSettings:
    """Platform settings from VCLUSTER_PLATFORM_* variables; unset or empty ones keep their defaults."""
    env = os.environ if environ is None else environ
    problems: list[FieldProblem] = []
    values: dict[str, object] = {}
    for variable, (attr, kind, _help) in PLATFORM_ENV.items():
        raw = env.get(variable, "").strip()
        if not raw:
            continue
        if kind == "cni":
            if raw not in CNI_FLAVOURS:
                problems.append(FieldProblem(f"env {variable}", raw, "allowed: " + ", ".join(CNI_FLAVOURS)))
            values[attr] = cast(Cni, raw)
        elif kind == "namespace":
            try:
                values[attr] = check_label(raw)
            except ValueError as exc:
                problems.append(FieldProblem(f"env {variable}", raw, str(exc)))
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
        value = getattr(defaults, attr)
        out.append({"name": variable, "value": ",".join(value) if isinstance(value, tuple) else str(value)})
    return out
