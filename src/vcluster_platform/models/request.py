"""The VClusterOrchestratorV2 request (`spec`), as the user writes it. Defaults live in effective.py."""

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


class ResourceAmounts(RequestModel):
    cpu: Quantity | None = Field(None, description="CPU quantity, e.g. 500m or 2.")
    memory: Quantity | None = Field(None, description="Memory quantity, e.g. 768Mi or 2Gi.")


class Resources(RequestModel):
    requests: ResourceAmounts | None = Field(None, description="Control-plane container requests.")
    limits: ResourceAmounts | None = Field(None, description="Control-plane container limits (>= requests).")


class Persistence(RequestModel):
    enabled: bool | None = Field(None, description="Give the control plane a PersistentVolumeClaim.")
    size: Quantity | None = Field(None, description="Volume size (dev 5Gi, prod 10Gi).")
    storage_class: DnsSubdomain | None = Field(None, description="StorageClass; empty means the cluster default.")


class CoreDNS(RequestModel):
    replicas: int | None = Field(None, ge=1, le=10, description="CoreDNS replicas inside the vCluster.")


class Networking(RequestModel):
    cluster_domain: DnsSubdomain | None = Field(None, description="Cluster DNS domain (default cluster.local).")


class ExportKubeConfig(RequestModel):
    server: str | None = Field(
        None, pattern=r"^https://[^\s/]+(:[0-9]{1,5})?$", description="Server URL written into the kubeconfig."
    )
    context: DnsSubdomain | None = Field(None, description="Context name in the exported kubeconfig.")


class VClusterSettings(RequestModel):
    preset: Preset | None = Field(None, description="Sizing preset: dev (default) or prod.")
    k8s_version: str | None = Field(
        None, alias="k8sVersion", pattern=K8S_VERSION_PATTERN, description="Kubernetes version, e.g. v1.34.3."
    )
    replicas: int | None = Field(None, ge=1, le=9, description="Control-plane replicas (dev 1, prod 3).")
    isolation_mode: IsolationMode | None = Field(None, description="standard (default) or strict.")
    pod_security: PodSecurityLevel | None = Field(
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
    helm_overrides: HelmValues | None = Field(
        None,
        description="Helm values deep-merged last; the merged values are still validated against the chart schema, "
        "and every image in them must be pinned to a tag or a digest (never latest).",
    )


class GatewayRef(RequestModel):
    name: DnsSubdomain = Field(description="Gateway name.")
    namespace: DnsLabel = Field(description="Gateway namespace.")
    section_name: DnsLabel | None = Field(None, description="Listener name on the Gateway.")


class Exposure(RequestModel):
    hostname: DnsSubdomain | None = Field(None, description="External hostname of the vCluster API.")
    subnet: IPv4Cidr | None = Field(None, description="IPv4 subnet the VIP is taken from.")
    vip: IPv4Address | None = Field(None, description="Virtual IP; default subnet network address + vipOffset.")
    vip_offset: int | None = Field(None, ge=1, description="Offset of the computed VIP in the subnet (default: the "
                                   "platform's, 200 here).")
    api_port: Port | None = Field(None, description="External API port (default 443).")
    mode: ExposureMode | None = Field(
        None, description="loadBalancer (a fixed VIP, or a pool address with the hostname published by "
        "external-dns), tlsRoute, httpRoute or none; with a hostname and no mode, the platform's default."
    )
    gateway: GatewayRef | None = Field(None, description="Gateway the route attaches to.")


class CertManagerIntegration(RequestModel):
    issuer_name: DnsSubdomain | None = Field(None, description="Issuer for the API certificate.")
    issuer_kind: Literal["ClusterIssuer", "Issuer"] | None = None
    cluster_issuer_selector_labels: NamingLabels | None = Field(
        None, description="v1 style: the value of integratn.tech/cluster-issuer names the issuer."
    )
    enabled: bool | None = Field(None, description="Sync cert-manager objects into the vCluster (chart).")


class ExternalSecretsIntegration(RequestModel):
    cluster_secret_store_name: DnsSubdomain | None = Field(None, description="ClusterSecretStore to read from.")
    cluster_store_selector_labels: NamingLabels | None = Field(
        None, description="v1 style: the value of integratn.tech/cluster-secret-store names the store (a DNS-1123 "
        "subdomain: it becomes the ExternalSecrets' secretStoreRef name)."
    )
    enabled: bool | None = Field(None, description="Sync ExternalSecrets into the vCluster (chart).")


class WorkloadRepo(RequestModel):
    url: str | None = Field(
        None,
        validation_alias=AliasChoices("url", "repoURL"),
        pattern=r"^(https://|ssh://|git@)\S+$",
        description="Git repository of the tenant's workloads (v1 spelling repoURL accepted).",
    )
    base_path: str | None = Field(None, pattern=r"^[^\s]*$", description="Base path inside the repository.")
    path: str | None = Field(None, pattern=r"^[^\s]*$", description="Path below basePath.")
    revision: str | None = Field(
        None,
        validation_alias=AliasChoices("revision", "targetRevision"),
        pattern=r"^[^\s]+$",
        description="Branch, tag or commit (v1 spelling targetRevision accepted).",
    )


class ArgoCDIntegration(RequestModel):
    environment: DnsLabel | None = Field(None, description="Cluster label `environment` (dev: development).")
    cluster_labels: LabelMap | None = Field(
        None, description="Labels on the ArgoCD cluster secret, over the platform's (ApplicationSet selectors).")
    cluster_annotations: StringMap | None = Field(
        None, description="Annotations on the ArgoCD cluster secret, over the platform's.")
    server_url: Literal["internal", "external"] | None = Field(
        None, description="Which API URL ArgoCD registers: the external endpoint (default, when the vCluster is "
        "exposed; ArgoCD keys the cluster by it) or the internal service."
    )
    workload_repo: WorkloadRepo | None = None


class OnePasswordIntegration(RequestModel):
    vault: str | None = Field(None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9 _.-]+$")
    connect_host: str | None = Field(
        None, pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$", description="1Password Connect base URL."
    )
    connect_token_key: str | None = Field(
        None, pattern=r"^[A-Za-z0-9 _./-]+$", description="Item in the ClusterSecretStore holding the Connect token."
    )


class Integrations(RequestModel):
    cert_manager: CertManagerIntegration | None = None
    external_secrets: ExternalSecretsIntegration | None = None
    argocd: ArgoCDIntegration | None = None
    one_password: OnePasswordIntegration | None = Field(
        None, validation_alias=AliasChoices("onePassword", "onepassword")
    )
    metrics_server: bool | None = Field(
        None, description="The chart's metrics-server integration (default true: without it the tenant has no "
        "pod or node metrics, `kubectl top` is empty and HPAs never scale).")


class SyncPolicyAutomated(RequestModel):
    prune: bool | None = None
    self_heal: bool | None = None
    allow_empty: bool | None = None


class SyncPolicy(RequestModel):
    automated: SyncPolicyAutomated | None = None
    sync_options: list[str] | None = Field(None, description="Merged with CreateNamespace=true; yours win.")

    _sync_options = field_validator("sync_options")(check_sync_options)


class ArgoCDApplicationSettings(RequestModel):
    repo_url: str | None = Field(
        None,
        validation_alias=AliasChoices("repoURL", "repoUrl"),
        serialization_alias="repoURL",
        pattern=r"^(https://|oci://)\S+$",
        description="Helm repository of the vcluster chart (default https://charts.loft.sh).",
    )
    chart: DnsLabel | None = Field(None, description="Chart name (default vcluster).")
    target_revision: str | None = Field(
        None, pattern=r"^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$", description="Chart version (default 0.30.4)."
    )
    destination_server: str | None = Field(
        None, pattern=r"^https://\S+$", description="Host cluster API (default https://kubernetes.default.svc)."
    )
    sync_policy: SyncPolicy | None = None


class ExtraEgress(RequestModel):
    name: DnsLabel
    cidr: IPv4Cidr
    port: Port
    protocol: Protocol | None = Field(None, description="TCP (default), UDP or SCTP.")


class NetworkPolicies(RequestModel):
    baseline: bool | None = Field(
        None,
        description="Render the baseline NetworkPolicies (default true, every mode). false opts this tenant out: "
        "its namespace is then open to and from everything; not allowed with isolationMode strict.",
    )
    enable_nfs: bool | None = Field(
        None, validation_alias=AliasChoices("enableNFS", "enableNfs"),
        description="Allow NFS egress (TCP/UDP 2049, 111).",
    )
    nfs_cidr: IPv4Cidr | None = Field(
        None, validation_alias=AliasChoices("nfsCIDR", "nfsCidr"),
        description="Where the NFS servers are (default: the platform's NFS ranges).",
    )
    extra_egress: list[ExtraEgress] | None = Field(None, max_length=50)

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
    target_namespace: DnsLabel | None = Field(None, description="Host namespace (default vcluster-<name>).")
    project_name: DnsLabel | None = Field(None, description="ArgoCD project (default vcluster-<name>).")
    vcluster: VClusterSettings | None = None
    exposure: Exposure | None = None
    integrations: Integrations | None = None
    argocd_application: ArgoCDApplicationSettings | None = None
    network_policies: NetworkPolicies | None = None
    backup: Backup | None = None

    _name = field_validator("name", mode="after")(check_tenant_name)
