"""The pipeline's own line of the trust boundary: what it can judge from a request and the platform settings
alone, for every request, admin's or tenant's (the admission policy in trust.py decides who may set what).

Chart repositories, destination servers, image registries and the 1Password Connect endpoint must be among
the platform's; a tenant's host namespace and AppProject are its own (`<name>` or `vcluster-<name>`) and never
a shared one; egress is never opened to a catch-all range; the platform's own cluster-secret labels are not
a request's to set.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from ..errors import Problem
from .platform import PlatformSettings

# Namespaces no tenant may take whatever the platform's settings say (theirs are added from the settings).
SHARED_NAMESPACES = frozenset({
    "default", "kube-system", "kube-public", "kube-node-lease", "argocd", "kratix-platform-system",
    "kratix-worker-system", "cert-manager", "external-secrets", "external-dns", "monitoring", "onepassword",
    "metallb-system", "nfs-provisioner", "platform-requests", "openshift-config",
})
SHARED_PREFIXES = ("kube-", "openshift-", "kratix-")
# Labels the pipeline itself writes on every ArgoCD cluster secret (the platform's selector labels are added).
IDENTITY_LABELS = ("argocd.argoproj.io/secret-type", "akuity.io/argo-cd-cluster-name", "cluster_name", "cluster_role")
CATCH_ALL_PREFIX = 8
_REGISTRY_HOST = re.compile(r"^[^/]+[.:][^/]*$|^localhost$")


def reserved_cluster_labels(platform: PlatformSettings) -> tuple[str, ...]:
    return tuple(sorted({*IDENTITY_LABELS, *(key for key, _ in platform.cluster_labels)}))


def shared_namespaces(platform: PlatformSettings) -> frozenset[str]:
    return SHARED_NAMESPACES | {platform.argocd_namespace, platform.monitoring_namespace,
                                *platform.ingress_namespaces}


def _get(spec: Any, *path: str) -> Any:
    for attr in path:
        spec = getattr(spec, attr, None) if spec is not None else None
    return spec


def _allowed(path: str, value: str | None, allowed: tuple[str, ...], what: str, env: str) -> list[Problem]:
    if value is None or value.rstrip("/") in {a.rstrip("/") for a in allowed}:
        return []
    listed = ", ".join(allowed) or "none"
    return [Problem(path, value, f"is not one of the platform's {what} ({listed}); an installer adds one in "
                                 f"env {env}")]


def _identity(name: str, target_ns: str, project: str, platform: PlatformSettings) -> list[Problem]:
    own = (name, f"vcluster-{name}")
    shared = shared_namespaces(platform)
    problems = []
    for path, value, what in (("spec.targetNamespace", target_ns, "host namespace"),
                              ("spec.projectName", project, "ArgoCD AppProject")):
        if value not in own:
            problems.append(Problem(path, value, f"a tenant's {what} is its own; allowed: {own[0]} or {own[1]}"))
    if target_ns in shared or target_ns.startswith(SHARED_PREFIXES):
        problems.append(Problem("spec.targetNamespace", target_ns,
                                f"is a shared namespace of the platform; allowed: any other, such as vcluster-{name} "
                                "(the tenant's name cannot be a shared namespace's)"))
    return problems


def _egress(spec: Any) -> list[Problem]:
    problems = []
    for i, rule in enumerate(_get(spec, "network_policies", "extra_egress") or []):
        if ipaddress.IPv4Network(rule.cidr).prefixlen < CATCH_ALL_PREFIX:
            problems.append(Problem(f"spec.networkPolicies.extraEgress[{i}].cidr", rule.cidr,
                                    f"is a catch-all range; allowed: /{CATCH_ALL_PREFIX} or narrower (standard "
                                    "isolation already allows the internet on 80/443)"))
    nfs = _get(spec, "network_policies", "nfs_cidr")
    if nfs and ipaddress.IPv4Network(nfs).prefixlen < CATCH_ALL_PREFIX:
        problems.append(Problem("spec.networkPolicies.nfsCIDR", nfs,
                                f"is a catch-all range; allowed: /{CATCH_ALL_PREFIX} or narrower"))
    return problems


def _registry(image: Any) -> str | None:
    """The registry an image names: a chart image's `registry`, or a reference's host part (docker.io when
    it has none); None when the chart's own registry applies."""
    if isinstance(image, dict):
        registry = image.get("registry")
        return str(registry) if registry else None
    if isinstance(image, str):
        first = image.split("/", 1)[0]
        return first if "/" in image and _REGISTRY_HOST.match(first) else "docker.io"
    return None


def _images(node: Any, path: str) -> list[tuple[str, Any]]:
    if isinstance(node, list):
        return [found for i, item in enumerate(node) for found in _images(item, f"{path}[{i}]")]
    if not isinstance(node, dict):
        return []
    found = []
    for key, value in node.items():
        here = f"{path}.{key}"
        if key == "image" and (isinstance(value, str) or (isinstance(value, dict) and "repository" in value)):
            found.append((here, value))
        else:
            found += _images(value, here)
    return found


def _registries(spec: Any, platform: PlatformSettings) -> list[Problem]:
    problems = []
    for path, values in (("spec.vcluster.helmOverrides", _get(spec, "vcluster", "helm_overrides")),
                         ("spec.vcluster.backingStore", _get(spec, "vcluster", "backing_store"))):
        for where, image in _images(values or {}, path):
            registry = _registry(image)
            if registry is not None and registry not in platform.image_registries:
                problems.append(Problem(where, image, "comes from a registry the platform does not allow ("
                                        + (", ".join(platform.image_registries) or "none")
                                        + "); an installer adds one in env VCLUSTER_PLATFORM_IMAGE_REGISTRIES"))
    return problems


def in_cluster_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host.endswith((".svc", ".svc.cluster.local"))


def _connect(spec: Any, platform: PlatformSettings) -> list[Problem]:
    host = _get(spec, "integrations", "one_password", "connect_host")
    path = "spec.integrations.onePassword.connectHost"
    problems = _allowed(path, host, platform.connect_hosts, "1Password Connect endpoints",
                        "VCLUSTER_PLATFORM_CONNECT_HOSTS")
    if host and not host.startswith("https://") and not in_cluster_url(host):
        problems.append(Problem(path, host, "the Connect token would cross the network in clear; allowed: https, "
                                            "or the cluster's own service address (*.svc)"))
    return problems


def _labels(spec: Any, platform: PlatformSettings) -> list[Problem]:
    labels = _get(spec, "integrations", "argocd", "cluster_labels") or {}
    reserved = set(reserved_cluster_labels(platform))
    return [Problem(f"spec.integrations.argocd.clusterLabels.{key}", value,
                    "is a label the platform sets on every cluster secret (its ApplicationSets select on it); "
                    "choose another key") for key, value in labels.items() if key in reserved]


def boundary_problems(spec: Any, platform: PlatformSettings, target_ns: str, project: str) -> list[Problem]:
    """Every way `spec` reaches past what the platform allows, each at its field path."""
    app = _get(spec, "argocd_application")
    return [
        *_allowed("spec.argocdApplication.repoURL", _get(app, "repo_url"), platform.chart_repos,
                  "chart repositories", "VCLUSTER_PLATFORM_CHART_REPOS"),
        *_allowed("spec.argocdApplication.destinationServer", _get(app, "destination_server"),
                  platform.destination_servers, "destination servers", "VCLUSTER_PLATFORM_DESTINATION_SERVERS"),
        *_identity(spec.name, target_ns, project, platform),
        *_egress(spec),
        *_registries(spec, platform),
        *_connect(spec, platform),
        *_labels(spec, platform),
    ]
