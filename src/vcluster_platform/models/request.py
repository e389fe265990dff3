"""The VClusterOrchestratorV2 request (`spec`), as the user writes it: each field with its type, constraints and
setting (declare.Default: help, default, preset values, how it is derived); effective.py resolves them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, AliasChoices, Field, field_validator

from .base import (
    DnsLabel,
    DnsSubdomain,
    HelmValues,
    IPv4Address,
    IPv4Cidr,
    LabelMap,
    NamingLabels,
    Port,
    Quantity,
    RequestModel,
    StringMap,
)
from .declare import Default
from .names import TENANT_NAME_MAX
from .rules import (
    K8S_VERSION_PATTERN,
    check_schedule,
    check_sync_options,
    check_tenant_name,
    check_unique_names,
)

Preset = Literal["dev", "prod"]
IsolationMode = Literal["standard", "strict"]
PodSecurityLevel = Literal["restricted", "baseline", "privileged"]
ExposureMode = Literal["tlsRoute", "httpRoute", "loadBalancer", "none"]
Protocol = Literal["TCP", "UDP", "SCTP"]


class ResourceRequests(RequestModel):
    cpu: Annotated[Quantity | None, Default(
        "control-plane CPU request", dev="200m", prod="500m", attr="requests_cpu"
    )] = Field(None, description="CPU quantity, e.g. 500m or 2.")
    memory: Annotated[Quantity | None, Default(
        "control-plane memory request", dev="768Mi", prod="1Gi", attr="requests_memory"
    )] = Field(None, description="Memory quantity, e.g. 768Mi or 2Gi.")


class ResourceLimits(RequestModel):
    cpu: Annotated[Quantity | None, Default(
        "control-plane CPU limit", dev="1000m", prod="2", attr="limits_cpu"
    )] = Field(None, description="CPU quantity, e.g. 500m or 2.")
    memory: Annotated[Quantity | None, Default(
        "control-plane memory limit", dev="1536Mi", prod="2Gi", attr="limits_memory"
    )] = Field(None, description="Memory quantity, e.g. 768Mi or 2Gi.")


class Resources(RequestModel):
    requests: ResourceRequests | None = Field(None, description="Control-plane container requests.")
    limits: ResourceLimits | None = Field(None, description="Control-plane container limits (>= requests).")


class Persistence(RequestModel):
    enabled: Annotated[bool | None, Default(
        "a volume for the control plane's data", dev=False, prod=True, attr="persistence_enabled"
    )] = Field(None, description="Give the control plane a PersistentVolumeClaim.")
    size: Annotated[Quantity | None, Default(
        "its size", dev="5Gi", prod="10Gi", attr="persistence_size"
    )] = Field(None, description="Volume size (dev 5Gi, prod 10Gi).")
    storage_class: Annotated[DnsSubdomain | None, Default(
        "its StorageClass (empty: the cluster default)", default="", attr="storage_class"
    )] = Field(None, description="StorageClass; empty means the cluster default.")


class CoreDNS(RequestModel):
    replicas: Annotated[int | None, Default(
        "CoreDNS replicas inside the vCluster", dev=1, prod=2, attr="coredns_replicas"
    )] = Field(None, ge=1, le=10, description="CoreDNS replicas inside the vCluster.")


class Networking(RequestModel):
    cluster_domain: Annotated[DnsSubdomain | None, Default(
        "the vCluster's cluster domain", default="cluster.local", attr="cluster_domain"
    )] = Field(None, description="Cluster DNS domain (default cluster.local).")


class ExportKubeConfig(RequestModel):
    server: Annotated[str | None, Default(
        "server written into the exported kubeconfig",
        derived="request, else the external URL, else the in-cluster service", attr="export_server"
    )] = Field(
        None, pattern=r"^https://[^\s/]+(:[0-9]{1,5})?$", description="Server URL written into the kubeconfig."
    )
    context: Annotated[DnsSubdomain | None, Default(
        "context name of the exported kubeconfig", default="", attr="export_context"
    )] = Field(None, description="Context name in the exported kubeconfig.")


class VClusterSettings(RequestModel):
    preset: Annotated[Preset | None, Default(
        "sizing preset: dev or prod", default="dev", derived="request, else dev", attr="preset"
    )] = Field(None, description="Sizing preset: dev (default) or prod.")
    k8s_version: Annotated[str | None, Default(
        "Kubernetes version of the control plane",
        derived="request, else the platform's VCLUSTER_PLATFORM_K8S_VERSION", attr="k8s_version"
    )] = Field(
        None, alias="k8sVersion", pattern=K8S_VERSION_PATTERN, description="Kubernetes version, e.g. v1.34.3."
    )
    replicas: Annotated[int | None, Default(
        "control-plane replicas", dev=1, prod=3, attr="replicas"
    )] = Field(None, ge=1, le=9, description="Control-plane replicas (dev 1, prod 3).")
    isolation_mode: Annotated[IsolationMode | None, Default(
        "standard or strict (quotas, limits, tighter policies)", default="standard", attr="isolation_mode"
    )] = Field(None, description="standard (default) or strict.")
    pod_security: Annotated[PodSecurityLevel | None, Default(
        "Pod Security level enforced on the host namespace", default="baseline", attr="pod_security"
    )] = Field(
        None, description="Pod Security level enforced on the host namespace, where the syncer runs the tenant's "
        "pods: baseline (default; no privileged, host namespaces or hostPath), restricted, or privileged (a "
        "platform admin's choice; not with isolationMode strict).")
    resources: Resources | None = None
    persistence: Persistence | None = None
    coredns: CoreDNS | None = None
    networking: Networking | None = None
    backing_store: HelmValues | None = Field(
        None,
        description="The chart's controlPlane.backingStore, validated against the chosen chart version's schema: "
        "etcd.deploy (deployed etcd, its statefulSet image, extraArgs, highAvailability.replicas) or "
        "database.embedded; etcd.deploy.enabled: false means the embedded database. The preset decides "
        "the store and etcd replicas where the request is silent.",
    )
    export_kube_config: ExportKubeConfig | None = None
    helm_overrides: Annotated[HelmValues | None, Default(
        "chart values merged over everything else", default=None, attr="helm_overrides", convert="mapping"
    )] = Field(
        None,
        description="Helm values deep-merged last; the merged values are still validated against the chart schema, "
        "and every image in them must be pinned to a tag or a digest (never latest).",
    )


class GatewayRef(RequestModel):
    name: Annotated[DnsSubdomain, Default(
        "Gateway of a route exposure", default="cluster-gateway", attr="gateway_name"
    )] = Field(description="Gateway name.")
    namespace: Annotated[DnsLabel, Default(
        "its namespace", default="nginx-gateway-fabric", attr="gateway_namespace"
    )] = Field(description="Gateway namespace.")
    section_name: Annotated[DnsLabel | None, Default(
        "its listener (empty: any)", default="", attr="gateway_section"
    )] = Field(None, description="Listener name on the Gateway.")


class Exposure(RequestModel):
    hostname: Annotated[DnsSubdomain | None, Default(
        "DNS name of the vCluster API",
        derived="request, else <name>.<base domain> (annotation platform.integratn.tech/base-domain, else "
                "env VCLUSTER_PLATFORM_BASE_DOMAIN)",
        attr="hostname"
    )] = Field(None, description="External hostname of the vCluster API.")
    subnet: Annotated[IPv4Cidr | None, Default(
        "subnet of a fixed VIP", default="", attr="subnet"
    )] = Field(None, description="IPv4 subnet the VIP is taken from.")
    vip: Annotated[IPv4Address | None, Default(
        "fixed LoadBalancer address", derived="request, else subnet + vipOffset", attr="vip"
    )] = Field(None, description="Virtual IP; default subnet network address + vipOffset.")
    vip_offset: Annotated[int | None, Default(
        "offset of the VIP in the subnet",
        derived="request, else the platform's (env VCLUSTER_PLATFORM_VIP_OFFSET, 200 here)", attr="vip_offset"
    )] = Field(None, ge=1, description="Offset of the computed VIP in the subnet (default: the "
                                   "platform's, 200 here).")
    api_port: Annotated[Port | None, Default(
        "port of the external API URL", default=443, attr="api_port"
    )] = Field(None, description="External API port (default 443).")
    mode: Annotated[ExposureMode | None, Default(
        "none, loadBalancer, tlsRoute or httpRoute",
        derived="request, else the platform's default exposure with a hostname, else none", attr="exposure_mode"
    )] = Field(
        None, description="loadBalancer (a fixed VIP, or a pool address with the hostname published by "
        "external-dns), tlsRoute, httpRoute or none; with a hostname and no mode, the platform's default."
    )
    gateway: GatewayRef | None = Field(None, description="Gateway the route attaches to.")


class CertManagerIntegration(RequestModel):
    issuer_name: Annotated[DnsSubdomain | None, Default(
        "issuer of the API certificate", default="letsencrypt-prod",
        derived="request, else selector label integratn.tech/cluster-issuer, else default", attr="issuer_name"
    )] = Field(None, description="Issuer for the API certificate.")
    issuer_kind: Annotated[Literal["ClusterIssuer", "Issuer"] | None, Default(
        "Issuer or ClusterIssuer", default="ClusterIssuer", attr="issuer_kind"
    )] = None
    cluster_issuer_selector_labels: Annotated[NamingLabels | None, Default(
        "issuers synced by label", default=None, attr="issuer_selector", convert="mapping"
    )] = Field(
        None, description="v1 style: the value of integratn.tech/cluster-issuer names the issuer."
    )
    enabled: Annotated[bool | None, Default(
        "sync cert-manager objects into the vCluster", default=False,
        derived="request, else on when selector labels are given", attr="cert_manager_sync"
    )] = Field(None, description="Sync cert-manager objects into the vCluster (chart).")


class ExternalSecretsIntegration(RequestModel):
    cluster_secret_store_name: Annotated[DnsSubdomain | None, Default(
        "ClusterSecretStore of the tenant's ExternalSecrets", default="onepassword-store",
        derived="request, else selector label integratn.tech/cluster-secret-store, else default",
        attr="secret_store"
    )] = Field(None, description="ClusterSecretStore to read from.")
    cluster_store_selector_labels: Annotated[NamingLabels | None, Default(
        "stores synced by label", default=None, attr="store_selector", convert="mapping"
    )] = Field(
        None, description="v1 style: the value of integratn.tech/cluster-secret-store names the store (a DNS-1123 "
        "subdomain: it becomes the ExternalSecrets' secretStoreRef name)."
    )
    enabled: Annotated[bool | None, Default(
        "sync External Secrets objects", default=False, derived="request, else on when selector labels are given",
        attr="external_secrets_sync"
    )] = Field(None, description="Sync ExternalSecrets into the vCluster (chart).")


class WorkloadRepo(RequestModel):
    url: Annotated[str | None, Default(
        "workload repository (cluster annotation)", default=None, attr="workload_repo_url", convert="text"
    )] = Field(
        None,
        validation_alias=AliasChoices("url", "repoURL"),
        pattern=r"^(https://|ssh://|git@)\S+$",
        description="Git repository of the tenant's workloads (v1 spelling repoURL accepted).",
    )
    base_path: str | None = Field(None, pattern=r"^[^\s]*$", description="Base path inside the repository.")
    path: Annotated[str | None, Default(
        "its path", derived="basePath/path", attr="workload_repo_path"
    )] = Field(None, pattern=r"^[^\s]*$", description="Path below basePath.")
    revision: Annotated[str | None, Default(
        "its revision", default=None, attr="workload_repo_revision", convert="text"
    )] = Field(
        None,
        validation_alias=AliasChoices("revision", "targetRevision"),
        pattern=r"^[^\s]+$",
        description="Branch, tag or commit (v1 spelling targetRevision accepted).",
    )


class ArgoCDIntegration(RequestModel):
    environment: Annotated[DnsLabel | None, Default(
        "environment label of the ArgoCD cluster secret", dev="development", prod="production", attr="environment"
    )] = Field(None, description="Cluster label `environment` (dev: development).")
    cluster_labels: Annotated[LabelMap | None, Default(
        "extra labels on the ArgoCD cluster secret", default=None, attr="cluster_labels", convert="mapping"
    )] = Field(
        None, description="Labels on the ArgoCD cluster secret, over the platform's (ApplicationSet selectors).")
    cluster_annotations: Annotated[StringMap | None, Default(
        "extra annotations on it", default=None, attr="cluster_annotations", convert="mapping"
    )] = Field(
        None, description="Annotations on the ArgoCD cluster secret, over the platform's.")
    server_url: Annotated[Literal["internal", "external"] | None, Default(
        "how ArgoCD reaches the vCluster: external or internal", default="external", attr="argocd_server_url"
    )] = Field(
        None, description="Which API URL ArgoCD registers: the external endpoint (default, when the vCluster is "
        "exposed; ArgoCD keys the cluster by it) or the internal service."
    )
    workload_repo: WorkloadRepo | None = None


class OnePasswordIntegration(RequestModel):
    vault: Annotated[str | None, Default(
        "1Password vault of the kubeconfig item", default="homelab", attr="op_vault"
    )] = Field(None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9 _.-]+$")
    connect_host: Annotated[str | None, Default(
        "1Password Connect URL", default="http://onepassword-connect.onepassword.svc.cluster.local:8080",
        attr="op_connect_host", convert="url"
    )] = Field(
        None, pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$", description="1Password Connect base URL."
    )
    connect_token_key: Annotated[str | None, Default(
        "item holding the Connect token", default="onepassword-connect-token", attr="op_token_key"
    )] = Field(
        None, pattern=r"^[A-Za-z0-9 _./-]+$", description="Item in the ClusterSecretStore holding the Connect token."
    )


class Integrations(RequestModel):
    cert_manager: CertManagerIntegration | None = None
    external_secrets: ExternalSecretsIntegration | None = None
    argocd: ArgoCDIntegration | None = None
    one_password: OnePasswordIntegration | None = Field(
        None, validation_alias=AliasChoices("onePassword", "onepassword")
    )
    metrics_server: Annotated[bool | None, Default(
        "metrics-server inside the vCluster", default=True, attr="metrics_server"
    )] = Field(
        None, description="The chart's metrics-server integration (default true: without it the tenant has no "
        "pod or node metrics, `kubectl top` is empty and HPAs never scale).")


class SyncPolicyAutomated(RequestModel):
    prune: Annotated[bool | None, Default(
        "ArgoCD prunes", default=True, attr="sync_prune"
    )] = None
    self_heal: Annotated[bool | None, Default(
        "ArgoCD self-heals", default=True, attr="sync_self_heal"
    )] = None
    allow_empty: Annotated[bool | None, Default(
        "ArgoCD may sync to nothing", default=False, attr="sync_allow_empty"
    )] = None


class SyncPolicy(RequestModel):
    automated: SyncPolicyAutomated | None = None
    sync_options: Annotated[list[str] | None, Default(
        "ArgoCD sync options", derived="CreateNamespace=true, then the request's options", attr="sync_options"
    )] = Field(None, description="Merged with CreateNamespace=true; yours win.")

    _sync_options = field_validator("sync_options")(check_sync_options)


class ArgoCDApplicationSettings(RequestModel):
    repo_url: Annotated[str | None, Default(
        "Helm repository of the chart", default="https://charts.loft.sh", attr="chart_repo"
    )] = Field(
        None,
        validation_alias=AliasChoices("repoURL", "repoUrl"),
        serialization_alias="repoURL",
        pattern=r"^(https://|oci://)\S+$",
        description="Helm repository of the vcluster chart (default https://charts.loft.sh).",
    )
    chart: Annotated[DnsLabel | None, Default(
        "chart name", default="vcluster", attr="chart"
    )] = Field(None, description="Chart name (default vcluster).")
    target_revision: Annotated[str | None, Default(
        "chart version (0.30.x, 0.31.x, 0.33.x)", default="0.30.4", attr="chart_version"
    )] = Field(
        None, pattern=r"^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$", description="Chart version (default 0.30.4)."
    )
    destination_server: Annotated[str | None, Default(
        "host cluster as ArgoCD names it", default="https://kubernetes.default.svc", attr="destination_server"
    )] = Field(
        None, pattern=r"^https://\S+$", description="Host cluster API (default https://kubernetes.default.svc)."
    )
    sync_policy: SyncPolicy | None = None


class ExtraEgress(RequestModel):
    name: DnsLabel
    cidr: IPv4Cidr
    port: Port
    protocol: Protocol | None = Field(None, description="TCP (default), UDP or SCTP.")


class NetworkPolicies(RequestModel):
    baseline: Annotated[bool | None, Default(
        "the baseline NetworkPolicies", default=True, attr="network_baseline"
    )] = Field(
        None,
        description="Render the baseline NetworkPolicies (default true, every mode). false opts this tenant out: "
        "its namespace is then open to and from everything; not allowed with isolationMode strict.",
    )
    enable_nfs: Annotated[bool | None, Default(
        "egress to NFS servers", default=False, attr="enable_nfs"
    )] = Field(
        None, validation_alias=AliasChoices("enableNFS", "enableNfs"),
        description="Allow NFS egress (TCP/UDP 2049, 111).",
    )
    nfs_cidr: Annotated[IPv4Cidr | None, Default(
        "where NFS servers are", derived="request, else the platform's NFS ranges when enableNFS", attr="nfs_cidrs"
    )] = Field(
        None, validation_alias=AliasChoices("nfsCIDR", "nfsCidr"),
        description="Where the NFS servers are (default: the platform's NFS ranges).",
    )
    extra_egress: Annotated[list[ExtraEgress] | None, Default(
        "extra egress rules", derived="request", attr="extra_egress"
    )] = Field(None, max_length=50)

    _unique_names = field_validator("extra_egress")(check_unique_names)


CronSchedule = Annotated[str, AfterValidator(check_schedule), Field(max_length=100)]


class BackupClaim(RequestModel):
    claim_name: DnsSubdomain = Field(description="An existing PersistentVolumeClaim in the tenant's namespace.")


class BackupNfs(RequestModel):
    server: IPv4Address = Field(description="NFS server address, inside the platform's NFS ranges.")
    path: str = Field(pattern=r"^/[A-Za-z0-9._/-]*$", max_length=255,
                      description="Exported directory; the snapshots go to <path>/<name>.")


class BackupDestination(RequestModel):
    persistent_volume_claim: BackupClaim | None = Field(None, description="A claim the tenant already has.")
    nfs: BackupNfs | None = Field(None, description="An NFS export (a platform admin's choice).")


class Backup(RequestModel):
    """Snapshots of a deployed etcd, verified before they are kept under dated names."""

    enabled: Annotated[bool | None, Default(
        "nightly snapshots of a deployed etcd", dev=False, prod=True,
        derived="request, else preset; off for the embedded database")] = Field(
        None, description="Snapshot the deployed etcd on a schedule (default: on in the prod preset). The embedded "
        "database cannot be snapshotted this way: enabling it there is refused.")
    schedule: Annotated[CronSchedule | None, Default("when snapshots are taken (cron, UTC)",
                                                     default="30 2 * * *")] = Field(
        None, description="Cron schedule of the snapshots, at most hourly (default 30 2 * * *, nightly).")
    retention: Annotated[int | None, Default("snapshots kept", default=7)] = Field(
        None, ge=1, le=90, description="How many snapshots are kept; older ones are pruned (default 7).")
    volume_size: Annotated[Quantity | None, Default("size of the platform's backup volume", default="10Gi")] = Field(
        None, description="Size of the claim the platform creates for the snapshots when no destination is given.")
    destination: Annotated[BackupDestination | None, Default(
        "where snapshots go", derived="request, else a claim <name>-etcd-backups of the platform's backup "
                                      "StorageClass")] = Field(
        None, description="One of persistentVolumeClaim or nfs (default: a claim the platform creates).")


class VClusterOrchestratorV2Spec(RequestModel):
    """Everything one tenant vCluster needs; only `name` is required."""

    name: str = Field(
        pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        max_length=TENANT_NAME_MAX,
        description=f"Tenant vCluster name: a DNS-1123 label of at most {TENANT_NAME_MAX} characters.",
    )
    target_namespace: Annotated[DnsLabel | None, Default(
        "host namespace of the vCluster", derived="default vcluster-<name>", attr="target_namespace"
    )] = Field(None, description="Host namespace (default vcluster-<name>).")
    project_name: Annotated[DnsLabel | None, Default(
        "ArgoCD AppProject", derived="default vcluster-<name>", attr="project_name"
    )] = Field(None, description="ArgoCD project (default vcluster-<name>).")
    vcluster: VClusterSettings | None = None
    exposure: Exposure | None = None
    integrations: Integrations | None = None
    argocd_application: ArgoCDApplicationSettings | None = None
    network_policies: NetworkPolicies | None = None
    backup: Backup | None = None

    _name = field_validator("name", mode="after")(check_tenant_name)
