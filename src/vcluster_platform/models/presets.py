"""Sizing presets (SPEC table) and global defaults; request values win field by field.

dev memory is 768Mi/1536Mi, not the 512Mi/1Gi of the original v1 docs: that value was OOM-killed in a
real deployment.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

PRESETS: MappingProxyType[str, MappingProxyType[str, Any]] = MappingProxyType({
    "dev": MappingProxyType({
        "vcluster.replicas": 1,
        "vcluster.resources.requests.cpu": "200m",
        "vcluster.resources.requests.memory": "768Mi",
        "vcluster.resources.limits.cpu": "1000m",
        "vcluster.resources.limits.memory": "1536Mi",
        "vcluster.persistence.enabled": False,
        "vcluster.persistence.size": "5Gi",
        "vcluster.coredns.replicas": 1,
        "vcluster.backingStore.type": "database",
        "vcluster.backingStore.etcdReplicas": 1,
        "integrations.argocd.environment": "development",
    }),
    "prod": MappingProxyType({
        "vcluster.replicas": 3,
        "vcluster.resources.requests.cpu": "500m",
        "vcluster.resources.requests.memory": "1Gi",
        "vcluster.resources.limits.cpu": "2",
        "vcluster.resources.limits.memory": "2Gi",
        "vcluster.persistence.enabled": True,
        "vcluster.persistence.size": "10Gi",
        "vcluster.coredns.replicas": 2,
        "vcluster.backingStore.type": "etcd",
        "vcluster.backingStore.etcdReplicas": 3,
        "integrations.argocd.environment": "production",
    }),
})

DEFAULT_PRESET = "dev"
DEFAULT_CHART_REPO = "https://charts.loft.sh"
DEFAULT_CHART = "vcluster"
DEFAULT_CHART_VERSION = "0.30.4"
DEFAULT_DESTINATION_SERVER = "https://kubernetes.default.svc"
DEFAULT_VIP_OFFSET = 100
DEFAULT_API_PORT = 443

GLOBAL_DEFAULTS: MappingProxyType[str, Any] = MappingProxyType({
    "vcluster.isolationMode": "standard",
    "vcluster.persistence.storageClass": "",
    "vcluster.networking.clusterDomain": "cluster.local",
    "exposure.vipOffset": DEFAULT_VIP_OFFSET,
    "exposure.apiPort": DEFAULT_API_PORT,
    "exposure.gateway.name": "cluster-gateway",
    "exposure.gateway.namespace": "nginx-gateway-fabric",
    "integrations.certManager.issuerName": "letsencrypt-prod",
    "integrations.certManager.issuerKind": "ClusterIssuer",
    "integrations.certManager.enabled": False,
    "integrations.externalSecrets.clusterSecretStoreName": "onepassword-store",
    "integrations.externalSecrets.enabled": False,
    "integrations.argocd.serverUrl": "external",
    "integrations.onePassword.vault": "homelab",
    "integrations.onePassword.connectHost": "http://onepassword-connect.onepassword.svc.cluster.local:8080",
    "integrations.onePassword.connectTokenKey": "onepassword-connect-token",
    "integrations.metricsServer": True,
    "argocdApplication.repoURL": DEFAULT_CHART_REPO,
    "argocdApplication.chart": DEFAULT_CHART,
    "argocdApplication.targetRevision": DEFAULT_CHART_VERSION,
    "argocdApplication.destinationServer": DEFAULT_DESTINATION_SERVER,
    "networkPolicies.baseline": True,
    "networkPolicies.enableNFS": False,
})

# v1 requests named the issuer and the secret store through selector labels; these keys carry the name.
ISSUER_SELECTOR_KEY = "integratn.tech/cluster-issuer"
SECRET_STORE_SELECTOR_KEY = "integratn.tech/cluster-secret-store"
