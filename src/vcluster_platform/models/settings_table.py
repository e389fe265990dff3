"""Every setting of a request: its request path, EffectiveSettings attribute, global default, preset values and
help. The presets, the defaults, `resolve`, `explain` and the README's settings table are derived from this
table (type and validation: the request model's field at that path). Fields declared in the request model
itself (declare.Default, the `backup` section) join the table from the generated request table, so they are
written once.

dev memory is 768Mi/1536Mi, not the 512Mi/1Gi of the original v1 docs: that value was OOM-killed in a
real deployment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .fastparse import table_data

UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET"})()
PRESET_NAMES = ("dev", "prod")
DEFAULT_PRESET = "dev"


def _snake(segment: str) -> str:
    """camelCase request key → the model's attribute (repoURL → repo_url, k8sVersion → k8s_version)."""
    return re.sub(r"([a-z0-9])([A-Z]+)", lambda m: f"{m.group(1)}_{m.group(2).lower()}", segment).lower()


@dataclass(frozen=True)
class Setting:
    """One setting. `derived`: resolve() computes it (the text says from what); otherwise the value is the
    request's, else the preset's, else the global default, passed through `convert`."""

    path: str
    attr: str
    help: str
    default: Any = UNSET
    dev: Any = UNSET
    prod: Any = UNSET
    derived: str = ""
    convert: Callable[[Any], Any] | None = None
    declared_attrs: tuple[str, ...] = ()  # a field declared in the request model (declare.Default)

    @property
    def spec_attrs(self) -> tuple[str, ...]:
        return self.declared_attrs or tuple(_snake(segment) for segment in self.path.split("."))

    def preset_value(self, preset: str) -> Any:
        value: Any = getattr(self, preset)
        return value


def _strip_slash(value: str) -> str:
    return value.rstrip("/")


_S = Setting
SETTINGS: tuple[Setting, ...] = (
    _S("vcluster.preset", "preset", "sizing preset: dev or prod", default=DEFAULT_PRESET,
       derived="request, else dev"),
    _S("targetNamespace", "target_namespace", "host namespace of the vCluster", derived="default vcluster-<name>"),
    _S("projectName", "project_name", "ArgoCD AppProject", derived="default vcluster-<name>"),
    _S("vcluster.k8sVersion", "k8s_version", "Kubernetes version of the control plane",
       derived="request, else the platform's VCLUSTER_PLATFORM_K8S_VERSION"),
    _S("vcluster.replicas", "replicas", "control-plane replicas", dev=1, prod=3),
    _S("vcluster.isolationMode", "isolation_mode", "standard or strict (quotas, limits, tighter policies)",
       default="standard"),
    _S("vcluster.podSecurity", "pod_security", "Pod Security level enforced on the host namespace",
       default="baseline"),
    _S("vcluster.resources.requests.cpu", "requests_cpu", "control-plane CPU request", dev="200m", prod="500m"),
    _S("vcluster.resources.requests.memory", "requests_memory", "control-plane memory request", dev="768Mi",
       prod="1Gi"),
    _S("vcluster.resources.limits.cpu", "limits_cpu", "control-plane CPU limit", dev="1000m", prod="2"),
    _S("vcluster.resources.limits.memory", "limits_memory", "control-plane memory limit", dev="1536Mi",
       prod="2Gi"),
    _S("vcluster.persistence.enabled", "persistence_enabled", "a volume for the control plane's data",
       dev=False, prod=True),
    _S("vcluster.persistence.size", "persistence_size", "its size", dev="5Gi", prod="10Gi"),
    _S("vcluster.persistence.storageClass", "storage_class", "its StorageClass (empty: the cluster default)",
       default=""),
    _S("vcluster.coredns.replicas", "coredns_replicas", "CoreDNS replicas inside the vCluster", dev=1, prod=2),
    _S("vcluster.networking.clusterDomain", "cluster_domain", "the vCluster's cluster domain",
       default="cluster.local"),
    _S("vcluster.backingStore.type", "backing_store", "database (embedded) or etcd (deployed)", dev="database",
       prod="etcd", derived="request (type or the chart's own keys), else preset"),
    _S("vcluster.backingStore.etcdReplicas", "etcd_replicas", "deployed etcd members", dev=1, prod=3,
       derived="request, else preset; 0 without etcd"),
    _S("vcluster.exportKubeConfig.server", "export_server", "server written into the exported kubeconfig",
       derived="request, else the external URL, else the in-cluster service"),
    _S("vcluster.exportKubeConfig.context", "export_context", "context name of the exported kubeconfig",
       default=""),
    _S("vcluster.helmOverrides", "helm_overrides", "chart values merged over everything else", default=None,
       convert=lambda v: dict(v or {})),
    _S("exposure.hostname", "hostname", "DNS name of the vCluster API",
       derived="request, else <name>.<base domain> (annotation platform.integratn.tech/base-domain, else env "
               "VCLUSTER_PLATFORM_BASE_DOMAIN)"),
    _S("exposure.subnet", "subnet", "subnet of a fixed VIP", default=""),
    _S("exposure.mode", "exposure_mode", "none, loadBalancer, tlsRoute or httpRoute",
       derived="request, else the platform's default exposure with a hostname, else none"),
    _S("exposure.vip", "vip", "fixed LoadBalancer address", derived="request, else subnet + vipOffset"),
    _S("exposure.vipOffset", "vip_offset", "offset of the VIP in the subnet",
       derived="request, else the platform's (env VCLUSTER_PLATFORM_VIP_OFFSET, 200 here)"),
    _S("exposure.apiPort", "api_port", "port of the external API URL", default=443),
    _S("exposure.gateway.name", "gateway_name", "Gateway of a route exposure", default="cluster-gateway"),
    _S("exposure.gateway.namespace", "gateway_namespace", "its namespace", default="nginx-gateway-fabric"),
    _S("exposure.gateway.sectionName", "gateway_section", "its listener (empty: any)", default=""),
    _S("integrations.certManager.issuerName", "issuer_name", "issuer of the API certificate",
       default="letsencrypt-prod", derived="request, else selector label integratn.tech/cluster-issuer, else "
                                           "default"),
    _S("integrations.certManager.issuerKind", "issuer_kind", "Issuer or ClusterIssuer", default="ClusterIssuer"),
    _S("integrations.certManager.enabled", "cert_manager_sync", "sync cert-manager objects into the vCluster",
       default=False, derived="request, else on when selector labels are given"),
    _S("integrations.certManager.clusterIssuerSelectorLabels", "issuer_selector", "issuers synced by label",
       default=None, convert=lambda v: dict(v or {})),
    _S("integrations.externalSecrets.clusterSecretStoreName", "secret_store", "ClusterSecretStore of the "
       "tenant's ExternalSecrets", default="onepassword-store",
       derived="request, else selector label integratn.tech/cluster-secret-store, else default"),
    _S("integrations.externalSecrets.enabled", "external_secrets_sync", "sync External Secrets objects",
       default=False, derived="request, else on when selector labels are given"),
    _S("integrations.externalSecrets.clusterStoreSelectorLabels", "store_selector", "stores synced by label",
       default=None, convert=lambda v: dict(v or {})),
    _S("integrations.metricsServer", "metrics_server", "metrics-server inside the vCluster", default=True),
    _S("integrations.argocd.environment", "environment", "environment label of the ArgoCD cluster secret",
       dev="development", prod="production"),
    _S("integrations.argocd.clusterLabels", "cluster_labels", "extra labels on the ArgoCD cluster secret",
       default=None, convert=lambda v: dict(v or {})),
    _S("integrations.argocd.clusterAnnotations", "cluster_annotations", "extra annotations on it", default=None,
       convert=lambda v: dict(v or {})),
    _S("integrations.argocd.serverUrl", "argocd_server_url", "how ArgoCD reaches the vCluster: external or "
       "internal", default="external"),
    _S("integrations.argocd.workloadRepo.url", "workload_repo_url", "workload repository (cluster annotation)",
       default=None, convert=lambda v: v or ""),
    _S("integrations.argocd.workloadRepo.path", "workload_repo_path", "its path", derived="basePath/path"),
    _S("integrations.argocd.workloadRepo.revision", "workload_repo_revision", "its revision", default=None,
       convert=lambda v: v or ""),
    _S("integrations.onePassword.vault", "op_vault", "1Password vault of the kubeconfig item", default="homelab"),
    _S("integrations.onePassword.connectHost", "op_connect_host", "1Password Connect URL",
       default="http://onepassword-connect.onepassword.svc.cluster.local:8080", convert=_strip_slash),
    _S("integrations.onePassword.connectTokenKey", "op_token_key", "item holding the Connect token",
       default="onepassword-connect-token"),
    _S("argocdApplication.repoURL", "chart_repo", "Helm repository of the chart", default="https://charts.loft.sh"),
    _S("argocdApplication.chart", "chart", "chart name", default="vcluster"),
    _S("argocdApplication.targetRevision", "chart_version", "chart version (0.30.x, 0.31.x, 0.33.x)",
       default="0.30.4"),
    _S("argocdApplication.destinationServer", "destination_server", "host cluster as ArgoCD names it",
       default="https://kubernetes.default.svc"),
    _S("argocdApplication.syncPolicy.automated.prune", "sync_prune", "ArgoCD prunes", default=True),
    _S("argocdApplication.syncPolicy.automated.selfHeal", "sync_self_heal", "ArgoCD self-heals", default=True),
    _S("argocdApplication.syncPolicy.automated.allowEmpty", "sync_allow_empty", "ArgoCD may sync to nothing",
       default=False),
    _S("argocdApplication.syncPolicy.syncOptions", "sync_options", "ArgoCD sync options",
       derived="CreateNamespace=true, then the request's options"),
    _S("networkPolicies.baseline", "network_baseline", "the baseline NetworkPolicies", default=True),
    _S("networkPolicies.enableNFS", "enable_nfs", "egress to NFS servers", default=False),
    _S("networkPolicies.nfsCIDR", "nfs_cidrs", "where NFS servers are", derived="request, else the platform's "
                                                                               "NFS ranges when enableNFS"),
    _S("networkPolicies.extraEgress", "extra_egress", "extra egress rules", derived="request"),
)


def declared_settings(table: dict[str, Any]) -> tuple[Setting, ...]:
    """The settings declared in the request model itself (declare.Default), read from the generated request
    table; their EffectiveSettings value is `settings.value(path)`."""
    rows: list[Setting] = []

    def walk(model: str, path: tuple[str, ...], attrs: tuple[str, ...]) -> None:
        for field in table["models"][model]["fields"]:
            here, chain = (*path, field["keys"][0]), (*attrs, field["attr"])
            if "setting" in field:
                d = field["setting"]
                rows.append(Setting(".".join(here), "", d["help"], default=d.get("default", UNSET),
                                    dev=d.get("dev", UNSET), prod=d.get("prod", UNSET), derived=d.get("derived", ""),
                                    declared_attrs=chain))
            if field["type"].get("kind") == "model":
                walk(field["type"]["model"], here, chain)

    walk(table["root"], (), ())
    return tuple(rows)


SETTINGS += declared_settings(table_data())
BY_PATH: MappingProxyType[str, Setting] = MappingProxyType({s.path: s for s in SETTINGS})
BY_ATTR: MappingProxyType[str, Setting] = MappingProxyType({s.attr: s for s in SETTINGS if s.attr})

PRESETS: MappingProxyType[str, MappingProxyType[str, Any]] = MappingProxyType({
    name: MappingProxyType({s.path: s.preset_value(name) for s in SETTINGS if s.preset_value(name) is not UNSET})
    for name in PRESET_NAMES})
GLOBAL_DEFAULTS: MappingProxyType[str, Any] = MappingProxyType(
    {s.path: s.default for s in SETTINGS if s.default is not UNSET})

