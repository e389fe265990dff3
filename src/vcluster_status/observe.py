"""Reads one tenant's live objects through the API (read-only; no Secret is ever read).

Lists come from the API server's watch cache as it stands (what an informer sees), so a reconcile right after a
write does not wait for the cache to be proven current; a change it misses queues the tenant again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

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


Lister = Callable[[str], list[Obj]]


class ApplicationLists:
    """The Applications of a namespace, listed at most once per `ttl` seconds: every tenant's sub-apps come from
    the same list, so a sweep over N tenants reads it about once instead of N times."""

    def __init__(self, api: JsonApi, ttl: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.api, self.ttl, self.clock = api, ttl, clock
        self._lists: dict[str, tuple[float, list[Obj]]] = {}

    def __call__(self, namespace: str) -> list[Obj]:
        listed_at, items = self._lists.get(namespace, (float("-inf"), []))
        if self.clock() - listed_at >= self.ttl:
            items = self.api.items(object_path(ARGOCD_API, "applications", namespace), cached=True)
            self._lists[namespace] = (self.clock(), items)
        return items


def observe(api: JsonApi, tenant: Tenant, applications: Lister | None = None) -> Observation:
    """One look at the tenant's live objects; `applications` lists a namespace's Applications (default: a
    fresh list each time)."""
    application = api.get(object_path(ARGOCD_API, "applications", tenant.application_namespace,
                                      tenant.application))
    namespace_exists = api.get(object_path("v1", "namespaces", name=tenant.namespace)) is not None
    if application is None or not namespace_exists:
        return Observation(namespace_exists=namespace_exists, application=application)
    pods = api.items(object_path("v1", "pods", tenant.namespace), cached=True)
    kubeconfig = (api.get(object_path(EXTERNAL_SECRETS_API, "externalsecrets", tenant.namespace,
                                      tenant.kubeconfig_secret)) if tenant.kubeconfig_secret else None)
    list_applications = applications or (lambda ns: api.items(object_path(ARGOCD_API, "applications", ns),
                                                               cached=True))
    apps = list_applications(tenant.application_namespace)
    backup = None
    if tenant.backup_cronjob:
        cronjobs = api.items(object_path("batch/v1", "cronjobs", tenant.namespace), cached=True)
        backup = next((j for j in cronjobs if j["metadata"]["name"] == tenant.backup_cronjob), None)
    return Observation(namespace_exists=True, application=application, pods=pod_counts(pods),
                       kubeconfig=kubeconfig, sub_apps=[a for a in apps if is_sub_app(a, tenant)], backup=backup)
