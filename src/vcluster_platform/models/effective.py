"""Effective settings: request value, else preset, else global default — each value with its source."""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest, Problem
from ..sync_script import script_digest
from .backing_store import resolve_backing_store
from .backup import resolve_backup
from .boundary import boundary_problems
from .names import is_dns1123_subdomain, syncer_managed_by
from .platform import PlatformSettings, in_pools
from .quantity import parse_quantity
from .rules import ISSUER_SELECTOR_KEY, SECRET_STORE_SELECTOR_KEY
from .settings_table import (
    DEFAULT_PRESET,
    GLOBAL_DEFAULTS,
    PRESETS,
    SETTINGS,
)

if TYPE_CHECKING:
    from .request import VClusterOrchestratorV2Spec

RECONCILE_AT_ANNOTATION = "platform.integratn.tech/reconcile-at"
BASE_DOMAIN_ANNOTATION = "platform.integratn.tech/base-domain"  # a request's own base domain
SUPPORTED_CHART_LINES = {"0.30": "0.30.4", "0.31": "0.31.1", "0.33": "0.33.4"}


@dataclass(frozen=True)
class EgressRule:
    name: str
    cidr: str
    port: int
    protocol: str


@dataclass(frozen=True)
class Names:
    """Every name the renderers use, derived in one place so status reports exactly what is rendered."""

    release: str
    namespace: str
    project: str
    workload_project: str
    application: str
    vcluster_secret: str
    kubeconfig_secret: str
    onepassword_item: str
    onepassword_token_secret: str
    sync_service_account: str
    sync_job: str
    sync_script_configmap: str
    coredns_configmap: str
    argocd_cluster_secret: str
    certificate: str
    certificate_secret: str
    route: str
    syncer_managed_by: str
    etcd_service: str
    etcd_certs_secret: str
    etcd_merge: str
    etcd_renew: str


@dataclass(frozen=True)
class EffectiveSettings:
    """The resolved request; `sources` maps each setting path to request / preset:<name> / default."""

    request_name: str
    request_namespace: str
    name: str
    preset: str
    target_namespace: str
    project_name: str
    k8s_version: str
    replicas: int
    isolation_mode: str
    pod_security: str
    requests_cpu: str
    requests_memory: str
    limits_cpu: str
    limits_memory: str
    persistence_enabled: bool
    persistence_size: str
    storage_class: str
    coredns_replicas: int
    cluster_domain: str
    backing_store: str
    etcd_replicas: int
    backing_store_values: dict[str, Any]
    export_server: str
    export_context: str
    helm_overrides: dict[str, Any]
    hostname: str
    base_domain: str  # the request's annotation, else the platform's; the default hostname is <name>.<this>
    subnet: str
    vip: str
    vip_offset: int
    api_port: int
    exposure_mode: str
    gateway_name: str
    gateway_namespace: str
    gateway_section: str
    issuer_name: str
    issuer_kind: str
    cert_manager_sync: bool
    issuer_selector: dict[str, str]
    secret_store: str
    external_secrets_sync: bool
    store_selector: dict[str, str]
    metrics_server: bool
    environment: str
    cluster_labels: dict[str, str]
    cluster_annotations: dict[str, str]
    argocd_server_url: str
    workload_repo_url: str
    workload_repo_path: str
    workload_repo_revision: str
    op_vault: str
    op_connect_host: str
    op_token_key: str
    chart_repo: str
    chart: str
    chart_version: str
    values_schema_version: str
    destination_server: str
    sync_prune: bool
    sync_self_heal: bool
    sync_allow_empty: bool
    sync_options: tuple[str, ...]
    network_baseline: bool
    enable_nfs: bool
    nfs_cidrs: tuple[str, ...]
    extra_egress: tuple[EgressRule, ...]
    platform: PlatformSettings
    reconcile_at: str
    declared: dict[str, Any]  # settings declared in the request model, by request path (declare.Default)
    sources: dict[str, str] = field(compare=False)

    def value(self, path: str) -> Any:
        """A setting declared in the request model, by its request path (e.g. "backup.retention")."""
        return self.declared[path]

    @property
    def internal_url(self) -> str:
        return f"https://{self.name}.{self.target_namespace}.svc:443"

    @property
    def external_url(self) -> str:
        """The URL clients outside the host cluster use, or '' when the vCluster is not exposed. The port is
        always written: ArgoCD keys a cluster by this exact string, and the running tenants use it so."""
        if self.exposure_mode == "none":
            return ""
        host = self.hostname or (self.vip if self.exposure_mode == "loadBalancer" else "")
        if not host:
            return ""
        return f"https://{host}:{self.api_port}"

    @property
    def endpoint(self) -> str:
        return self.external_url or self.internal_url

    @property
    def names(self) -> Names:
        n = self.name
        return Names(
            release=n,
            namespace=self.target_namespace,
            project=self.project_name,
            workload_project=f"{self.project_name}-workloads",
            application=f"vcluster-{n}",
            vcluster_secret=f"vc-{n}",
            kubeconfig_secret=f"vcluster-{n}-kubeconfig",
            onepassword_item=f"vcluster-{n}-kubeconfig",
            onepassword_token_secret=f"{n}-op-connect-token",
            sync_service_account=f"{n}-kubeconfig-sync",
            sync_job=f"{n}-kubeconfig-sync-{self.sync_job_fingerprint}",
            sync_script_configmap=f"{n}-kubeconfig-sync-py",
            coredns_configmap=f"{n}-coredns",
            argocd_cluster_secret=f"{n}-argocd-cluster",
            certificate=f"{n}-api",
            certificate_secret=f"{n}-api-tls",
            route=f"{n}-api",
            syncer_managed_by=syncer_managed_by(n, self.target_namespace),
            etcd_service=f"{n}-etcd",
            etcd_certs_secret=f"{n}-etcd-certs",
            etcd_merge=f"{n}-etcd-certs-merge",
            etcd_renew=f"{n}-etcd-renew",
        )

    @property
    def sync_job_fingerprint(self) -> str:
        """Eight hex characters that change with a re-sync request or any input of the immutable Job."""
        material = "\n".join(
            [script_digest(self.platform.job_image), self.reconcile_at, self.name, self.target_namespace,
             self.op_vault, self.op_connect_host, self.op_token_key, self.secret_store]
        )
        return hashlib.sha256(material.encode()).hexdigest()[:8]


class _Resolver:
    """Picks request → preset → default per path and records where each value came from."""

    def __init__(self, preset: str):
        self.preset = preset
        self.sources: dict[str, str] = {}

    def pick(self, path: str, requested: Any) -> Any:
        if requested is not None:
            self.sources[path] = "request"
            return requested
        if path in PRESETS[self.preset]:
            self.sources[path] = f"preset:{self.preset}"
            return PRESETS[self.preset][path]
        if path in GLOBAL_DEFAULTS:
            self.sources[path] = "default"
            return GLOBAL_DEFAULTS[path]
        raise KeyError(path)  # pragma: no cover - a missing default is a programming error

    def derived(self, path: str, value: Any, how: str) -> Any:
        self.sources[path] = how
        return value


def _get(obj: Any, *attrs: str) -> Any:
    """Walk optional sub-models; None anywhere on the way gives None."""
    for attr in attrs:
        if obj is None:
            return None
        obj = getattr(obj, attr)
    return obj


def resolve(
    spec: VClusterOrchestratorV2Spec,
    *,
    request_name: str,
    request_namespace: str,
    annotations: dict[str, str] | None = None,
    platform: PlatformSettings | None = None,
) -> EffectiveSettings:
    """Turn a validated spec into effective settings, or raise InvalidRequest with every problem found."""
    problems: list[Problem] = []
    vc = spec.vcluster
    preset = _get(vc, "preset") or DEFAULT_PRESET
    r = _Resolver(preset)
    r.sources["vcluster.preset"] = "request" if _get(vc, "preset") else "default"
    values = picked(r, spec)
    platform = platform or PlatformSettings()
    target_ns, project = _namespaces(r, spec, request_namespace, problems)
    problems += boundary_problems(spec, platform, target_ns, project)
    _check_resources(r, values, problems)
    chart = _chart(r, spec.argocd_application, values["chart_version"], problems)
    store = resolve_backing_store(r, _get(vc, "backing_store"), chart["values_schema_version"], problems)
    if values["replicas"] > 1 and store.kind == "database":
        problems.append(Problem(
            "spec.vcluster.replicas", values["replicas"],
            "more than 1 control-plane replica needs backingStore etcd; the embedded database is single-node"))
    values.update(_hostname(r, spec, annotations or {}, platform, problems))
    exposure = _exposure(r, spec.exposure, values, platform, problems)
    network = _network(r, spec.network_policies, values, platform, problems)
    resolve_backup(r, spec, values, store.kind, platform, problems)
    if problems:
        raise InvalidRequest(problems)
    settings = EffectiveSettings(
        request_name=request_name,
        request_namespace=request_namespace,
        name=spec.name,
        preset=preset,
        target_namespace=target_ns,
        project_name=project,
        k8s_version=(_get(vc, "k8s_version") and r.pick("vcluster.k8sVersion", _get(vc, "k8s_version"))) or r.derived(
            "vcluster.k8sVersion", platform.k8s_version, "platform (env VCLUSTER_PLATFORM_K8S_VERSION)"),
        backing_store=store.kind,
        etcd_replicas=store.etcd_replicas,
        backing_store_values=store.values,
        export_server="",
        **values,
        **exposure,
        **_integrations(r, spec.integrations, values),
        **chart,
        **network,
        reconcile_at=(annotations or {}).get(RECONCILE_AT_ANNOTATION, ""),
        sources=r.sources,
    )
    requested_server = _get(vc, "export_kube_config", "server")
    export_server = requested_server or settings.external_url or settings.internal_url
    r.derived("vcluster.exportKubeConfig.server", export_server,
              "request" if requested_server else "default (external URL, else in-cluster service)")
    return replace(settings, export_server=export_server)


def picked(r: _Resolver, spec: Any) -> dict[str, Any]:
    """Every setting the table resolves by itself (not `derived`): the request's value, else the preset's,
    else the global default, keyed by EffectiveSettings attribute."""
    values: dict[str, Any] = {}
    declared: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.derived:
            continue
        value = r.pick(setting.path, _get(spec, *setting.spec_attrs))
        if setting.attr:
            values[setting.attr] = setting.convert(value) if setting.convert else value
        else:
            declared[setting.path] = value
    values["declared"] = declared
    return values


def _namespaces(r: _Resolver, spec: VClusterOrchestratorV2Spec, request_namespace: str,
                problems: list[Problem]) -> tuple[str, str]:
    name = spec.name
    target_ns = r.pick("targetNamespace", spec.target_namespace) if spec.target_namespace else r.derived(
        "targetNamespace", f"vcluster-{name}", "default")
    project = r.pick("projectName", spec.project_name) if spec.project_name else r.derived(
        "projectName", f"vcluster-{name}", "default")
    if target_ns == request_namespace:
        problems.append(Problem(
            "spec.targetNamespace", target_ns,
            "must differ from the request's own namespace: the pipeline renders (and a delete removes) it; "
            f"allowed: any other DNS-1123 label, such as vcluster-{name}"))
    return target_ns, project


def _check_resources(r: _Resolver, values: dict[str, Any], problems: list[Problem]) -> None:
    """Limits at least the requests, whichever of the request, the preset or a default set each."""
    for resource in ("cpu", "memory"):
        req_path, lim_path = f"vcluster.resources.requests.{resource}", f"vcluster.resources.limits.{resource}"
        requested, limit = values[f"requests_{resource}"], values[f"limits_{resource}"]
        if parse_quantity(limit) < parse_quantity(requested):
            blame, shown = (lim_path, limit) if r.sources[lim_path] == "request" else (req_path, requested)
            problems.append(Problem(
                f"spec.{blame}", shown,
                f"limit {limit} ({r.sources[lim_path]}) is below request {requested} "
                f"({r.sources[req_path]}); limits must be >= requests"))


def _hostname(r: _Resolver, spec: Any, annotations: dict[str, str], platform: PlatformSettings,
              problems: list[Problem]) -> dict[str, str]:
    """The API's DNS name: the request's, else <name>.<base domain> as today's pipeline gives every tenant (the
    request's base-domain annotation, else the platform's; an empty annotation or base domain: none)."""
    base = annotations.get(BASE_DOMAIN_ANNOTATION)
    if base and not is_dns1123_subdomain(base):
        problems.append(Problem(f"metadata.annotations.{BASE_DOMAIN_ANNOTATION}", base,
                                "must be a DNS domain such as example.com"))
        base = None
    base_domain = base if base is not None else platform.base_domain
    requested = _get(spec.exposure, "hostname")
    if requested:
        return {"hostname": r.pick("exposure.hostname", requested), "base_domain": base_domain}
    hostname = f"{spec.name}.{base_domain}" if base_domain else ""
    if hostname and not is_dns1123_subdomain(hostname):
        problems.append(Problem("spec.name", spec.name, f"with the base domain {base_domain} the default hostname "
                                "is too long; set spec.exposure.hostname"))
    how = ("derived (<name>.<base domain>, annotation " + BASE_DOMAIN_ANNOTATION + ")" if base is not None else
           "derived (<name>.<base domain>, env VCLUSTER_PLATFORM_BASE_DOMAIN)") if hostname else "default (none)"
    return {"hostname": r.derived("exposure.hostname", hostname, how), "base_domain": base_domain}


def _exposure(r: _Resolver, exposure: Any, values: dict[str, Any], platform: PlatformSettings,
              problems: list[Problem]) -> dict[str, Any]:
    hostname, subnet = values["hostname"], values["subnet"]
    requested_offset = _get(exposure, "vip_offset")
    offset = r.pick("exposure.vipOffset", requested_offset) if requested_offset is not None else r.derived(
        "exposure.vipOffset", platform.vip_offset, "platform (env VCLUSTER_PLATFORM_VIP_OFFSET)")
    vip = _vip(r, subnet, _get(exposure, "vip"), offset, requested_offset is not None, problems)
    mode_requested = _get(exposure, "mode")
    mode = r.pick("exposure.mode", mode_requested) if mode_requested else r.derived(
        "exposure.mode", platform.default_exposure if hostname else "none",
        "platform (env VCLUSTER_PLATFORM_DEFAULT_EXPOSURE)" if hostname else "default (no hostname)")
    if mode in ("tlsRoute", "httpRoute") and not hostname:
        problems.append(Problem("spec.exposure.mode", mode, "needs spec.exposure.hostname"))
    if mode == "loadBalancer" and vip:
        problems += _pool_problems(vip, exposure, requested_offset, subnet, platform.load_balancer_pools)
    if mode == "loadBalancer" and not (vip or hostname):
        problems.append(Problem(
            "spec.exposure.mode", mode, "loadBalancer needs spec.exposure.hostname (an address from the pool, "
                                        "published by external-dns) or a fixed spec.exposure.vip/subnet"))
    return {"vip": vip, "vip_offset": offset, "exposure_mode": mode}


def _pool_problems(vip: str, exposure: Any, requested_offset: int | None, subnet: str,
                   pools: tuple[str, ...]) -> list[Problem]:
    """A VIP the load balancer cannot hand out, at the field that chose it (empty pools: not checked)."""
    if not pools or in_pools(vip, pools):
        return []
    path, value = (("spec.exposure.vip", vip) if _get(exposure, "vip") else
                   ("spec.exposure.vipOffset", requested_offset) if requested_offset is not None else
                   ("spec.exposure.subnet", subnet))
    return [Problem(path, value, f"VIP {vip} is outside the load balancer's pools ({', '.join(pools)}): its "
                                 "Service would stay Pending; choose an address inside a pool (env "
                                 "VCLUSTER_PLATFORM_LOAD_BALANCER_POOLS)")]


def _integrations(r: _Resolver, ints: Any, values: dict[str, Any]) -> dict[str, Any]:
    cm, es = _get(ints, "cert_manager"), _get(ints, "external_secrets")
    issuer = _get(cm, "issuer_name") or values["issuer_selector"].get(ISSUER_SELECTOR_KEY)
    store = _get(es, "cluster_secret_store_name") or values["store_selector"].get(SECRET_STORE_SELECTOR_KEY)
    repo = _get(ints, "argocd", "workload_repo")
    return {
        "issuer_name": r.pick("integrations.certManager.issuerName", issuer),
        "cert_manager_sync": _synced(r, "integrations.certManager.enabled", _get(cm, "enabled"),
                                     values["issuer_selector"]),
        "secret_store": r.pick("integrations.externalSecrets.clusterSecretStoreName", store),
        "external_secrets_sync": _synced(r, "integrations.externalSecrets.enabled", _get(es, "enabled"),
                                         values["store_selector"]),
        "workload_repo_path": r.derived("integrations.argocd.workloadRepo.path", "/".join(
            p.strip("/") for p in (_get(repo, "base_path"), _get(repo, "path")) if p and p.strip("/")),
            "request (basePath/path)" if repo else "default"),
    }


def _synced(r: _Resolver, path: str, requested: bool | None, selector: dict[str, str]) -> bool:
    """A chart integration: as requested, else on when the request gives selector labels to sync by."""
    if requested is None and selector:
        return bool(r.derived(path, True, "derived (selector labels given)"))
    return bool(r.pick(path, requested))


def chart_schema_version(chart_version: str) -> str:
    """The values schema of a chart version's line (0.31.0 → 0.31.1), or "" for an unknown line."""
    return SUPPORTED_CHART_LINES.get(".".join(str(chart_version).split(".")[:2]), "")


def _chart(r: _Resolver, app: Any, chart_version: str, problems: list[Problem]) -> dict[str, Any]:
    schema_version = chart_schema_version(chart_version)
    if not schema_version:
        problems.append(Problem(
            "spec.argocdApplication.targetRevision", chart_version,
            "no vcluster values schema for this chart line; supported: "
            + ", ".join(f"{line}.x" for line in SUPPORTED_CHART_LINES)))
    requested_options = _get(app, "sync_policy", "sync_options")
    return {
        "values_schema_version": schema_version,
        "sync_options": r.derived("argocdApplication.syncPolicy.syncOptions",
                                  _merge_sync_options(requested_options or []),
                                  "request (after CreateNamespace=true)" if requested_options else "default"),
    }


def _network(r: _Resolver, netpol: Any, values: dict[str, Any], platform: PlatformSettings,
             problems: list[Problem]) -> dict[str, Any]:
    baseline, enable_nfs = values["network_baseline"], values["enable_nfs"]
    if values["pod_security"] == "privileged" and values["isolation_mode"] == "strict":
        problems.append(Problem("spec.vcluster.podSecurity", "privileged",
                                "isolationMode strict enforces baseline at least; allowed: baseline, restricted"))
    if not baseline and values["isolation_mode"] == "strict":
        problems.append(Problem("spec.networkPolicies.baseline", False,
                                     "isolationMode strict needs the baseline NetworkPolicies; allowed: true"))
    if not baseline:
        for attr, path in (("extra_egress", "extraEgress"), ("enable_nfs", "enableNFS"), ("nfs_cidr", "nfsCIDR")):
            if _get(netpol, attr):
                problems.append(Problem(
                    f"spec.networkPolicies.{path}", _get(netpol, attr),
                    "has no effect with networkPolicies.baseline: false (no NetworkPolicies are rendered)"))
    if _get(netpol, "nfs_cidr") and not enable_nfs:
        problems.append(Problem("spec.networkPolicies.nfsCIDR", _get(netpol, "nfs_cidr"),
                                     "needs spec.networkPolicies.enableNFS: true"))
    requested_nfs, requested_egress = _get(netpol, "nfs_cidr"), _get(netpol, "extra_egress")
    nfs_cidrs = (requested_nfs,) if requested_nfs else (platform.nfs_cidrs if enable_nfs else ())
    r.derived("networkPolicies.nfsCIDR", nfs_cidrs, "request" if requested_nfs else
              "platform (env VCLUSTER_PLATFORM_NFS_CIDRS)" if enable_nfs else "default (none)")
    egress = tuple(EgressRule(e.name, e.cidr, e.port, e.protocol or "TCP") for e in (requested_egress or []))
    r.derived("networkPolicies.extraEgress", egress, "request" if requested_egress else "default (none)")
    return {"nfs_cidrs": nfs_cidrs, "extra_egress": egress, "platform": platform}


def _merge_sync_options(requested: list[str]) -> tuple[str, ...]:
    merged = {"CreateNamespace": "true"}
    for option in requested:
        key, _, value = option.partition("=")
        merged[key] = value
    return tuple(f"{k}={v}" for k, v in merged.items())


def _vip(
    r: _Resolver, subnet: str, vip: str | None, offset: int, offset_requested: bool, problems: list[Problem]
) -> str:
    if vip and offset_requested:
        problems.append(Problem("spec.exposure.vipOffset", offset,
                                     "set either spec.exposure.vip or spec.exposure.vipOffset, not both"))
    if offset_requested and not subnet:
        problems.append(Problem("spec.exposure.vipOffset", offset, "needs spec.exposure.subnet"))
    if not subnet:
        return str(r.derived("exposure.vip", vip or "", "request" if vip else "default (none)"))
    net = ipaddress.IPv4Network(subnet)
    if vip:
        address = ipaddress.IPv4Address(vip)
        path, shown = "spec.exposure.vip", vip
    else:
        if offset >= net.num_addresses:
            problems.append(Problem(
                "spec.exposure.vipOffset", offset,
                f"is past the end of {subnet} ({net.num_addresses} addresses); allowed: 1..{net.num_addresses - 2}")
                if offset_requested else Problem(
                "spec.exposure.subnet", subnet,
                f"the platform's VIP offset {offset} is past its end ({net.num_addresses} addresses); set "
                f"spec.exposure.vipOffset (1..{net.num_addresses - 2}) or spec.exposure.vip"))
            return ""
        address = net.network_address + offset
        path, shown = "spec.exposure.vipOffset", str(offset)
        r.derived("exposure.vip", str(address), f"derived ({subnet} + {offset})")
    if address not in net:
        problems.append(Problem(path, shown, f"VIP {address} is outside {subnet}"))
    elif net.num_addresses > 2 and address in (net.network_address, net.broadcast_address):
        which = "network" if address == net.network_address else "broadcast"
        problems.append(Problem(path, shown, f"VIP {address} is the {which} address of {subnet}; "
                                     f"allowed: {net.network_address + 1} .. {net.broadcast_address - 1}"))
    elif net.num_addresses <= 2:
        problems.append(Problem("spec.exposure.subnet", subnet, "is too small for a VIP; use /30 or larger"))
    if vip:
        r.derived("exposure.vip", vip, "request")
    return str(address)




