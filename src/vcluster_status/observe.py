"""Reads one tenant's live objects through the API (read-only; no Secret is ever read)."""

from __future__ import annotations

from platform_common.kube import JsonApi, object_path

from . import contract as c
from .observation import Obj, Observation, Tenant, destination_of, pod_counts

ARGOCD_API = "argoproj.io/v1alpha1"
EXTERNAL_SECRETS_API = "external-secrets.io/v1"


def request_path(namespace: str, name: str | None = None) -> str:
    return object_path(f"{c.GROUP}/{c.VERSION}", c.PLURAL, namespace, name)


def all_requests_path() -> str:
    return object_path(f"{c.GROUP}/{c.VERSION}", c.PLURAL)


def is_sub_app(application: Obj, tenant: Tenant) -> bool:
    """An Application deployed into the vCluster: its destination is the cluster ArgoCD registered for it."""
    if application["metadata"]["name"] == tenant.application:
        return False
    name, server = destination_of(application)
    return name == tenant.vcluster or bool(server and server == tenant.api_endpoint)


def observe(api: JsonApi, tenant: Tenant) -> Observation:
    application = api.get(object_path(ARGOCD_API, "applications", tenant.application_namespace,
                                      tenant.application))
    namespace_exists = api.get(object_path("v1", "namespaces", name=tenant.namespace)) is not None
    if application is None or not namespace_exists:
        return Observation(namespace_exists=namespace_exists, application=application)
    pods = api.items(object_path("v1", "pods", tenant.namespace))
    kubeconfig = (api.get(object_path(EXTERNAL_SECRETS_API, "externalsecrets", tenant.namespace,
                                      tenant.kubeconfig_secret)) if tenant.kubeconfig_secret else None)
    apps = api.items(object_path(ARGOCD_API, "applications", tenant.application_namespace))
    return Observation(namespace_exists=True, application=application, pods=pod_counts(pods),
                       kubeconfig=kubeconfig, sub_apps=[a for a in apps if is_sub_app(a, tenant)])
