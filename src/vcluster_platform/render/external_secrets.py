"""ExternalSecrets: the Connect token, the tenant kubeconfig, and the ArgoCD cluster registration.

Values come from the 1Password item the sync Job writes (fields kubeconfig, ca, cert, key). The ArgoCD
cluster `config` JSON is built with the template's toJson, so no value can break the JSON with a quote.
A one-minute refresh lets a re-created vCluster's new CA reach ArgoCD quickly.
"""

from __future__ import annotations

from typing import Any

from .. import ARGOCD_NAMESPACE
from ..models import EffectiveSettings
from .meta import WAVE_SECRETS, Obj, metadata, obj

API = "external-secrets.io/v1"
REFRESH = "1m"
CONNECT_TOKEN_PROPERTY = "credential"
BASE_DOMAIN = "platform.integratn.tech/base-domain"
ARGOCD_CONFIG_TEMPLATE = (
    '{{ dict "tlsClientConfig" (dict "insecure" false "caData" .ca "certData" .cert "keyData" .key)'
    " | toJson }}"
)


def _store_ref(s: EffectiveSettings) -> dict[str, str]:
    return {"name": s.secret_store, "kind": "ClusterSecretStore"}


def _item_data(s: EffectiveSettings, properties: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"secretKey": prop, "remoteRef": {"key": s.names.onepassword_item, "property": prop}} for prop in properties
    ]


def render_connect_token(s: EffectiveSettings) -> Obj:
    name = s.names.onepassword_token_secret
    spec = {
        "refreshInterval": "1h",
        "secretStoreRef": _store_ref(s),
        "target": {"name": name, "creationPolicy": "Owner"},
        "data": [{"secretKey": "token", "remoteRef": {"key": s.op_token_key, "property": CONNECT_TOKEN_PROPERTY}}],
    }
    return obj(API, "ExternalSecret", metadata(s, name, s.target_namespace, WAVE_SECRETS), spec=spec)


def render_kubeconfig_secret(s: EffectiveSettings) -> Obj:
    name = s.names.kubeconfig_secret
    spec = {
        "refreshInterval": REFRESH,
        "secretStoreRef": _store_ref(s),
        "target": {"name": name, "creationPolicy": "Owner"},
        "data": _item_data(s, ("kubeconfig",)),
    }
    return obj(API, "ExternalSecret", metadata(s, name, s.target_namespace, WAVE_SECRETS), spec=spec)


def cluster_server(s: EffectiveSettings) -> str:
    """The URL ArgoCD registers the vCluster under (and keys it by)."""
    return s.external_url if (s.argocd_server_url == "external" and s.external_url) else s.internal_url


def cluster_labels(s: EffectiveSettings) -> dict[str, str]:
    """The platform's selector labels, this tenant's identity, then the request's own labels."""
    return {
        **dict(s.platform.cluster_labels),
        "argocd.argoproj.io/secret-type": "cluster",
        "akuity.io/argo-cd-cluster-name": s.name,
        "cluster_name": s.name,
        "cluster_role": "vcluster",
        "environment": s.environment,
        **s.cluster_labels,
    }


def cluster_annotations(s: EffectiveSettings) -> dict[str, str]:
    """What the platform's ApplicationSets read from the cluster secret, then the request's own annotations."""
    derived = {"cluster_name": s.name, "environment": s.environment}
    if s.base_domain:
        derived[BASE_DOMAIN] = s.base_domain
        derived[BASE_DOMAIN + "-sanitized"] = s.base_domain.replace(".", "-")
    if s.workload_repo_url:
        derived.update({"workload_repo_url": s.workload_repo_url, "workload_repo_path": s.workload_repo_path,
                        "workload_repo_revision": s.workload_repo_revision or "HEAD"})
    return {**dict(s.platform.cluster_annotations), **derived, **s.cluster_annotations}


def render_argocd_cluster(s: EffectiveSettings) -> Obj:
    name = s.names.argocd_cluster_secret
    template: dict[str, Any] = {
        "engineVersion": "v2",
        "metadata": {"labels": cluster_labels(s), "annotations": cluster_annotations(s)},
        "data": {"name": s.name, "server": cluster_server(s), "config": ARGOCD_CONFIG_TEMPLATE},
    }
    spec = {
        "refreshInterval": REFRESH,
        "secretStoreRef": _store_ref(s),
        "target": {"name": name, "creationPolicy": "Owner", "template": template},
        "data": _item_data(s, ("ca", "cert", "key")),
    }
    return obj(API, "ExternalSecret", metadata(s, name, ARGOCD_NAMESPACE, WAVE_SECRETS), spec=spec)


def render_external_secrets(s: EffectiveSettings) -> list[Obj]:
    return [render_connect_token(s), render_kubeconfig_secret(s), render_argocd_cluster(s)]
