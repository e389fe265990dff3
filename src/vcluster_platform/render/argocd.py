"""ArgoCDProject and ArgoCDApplication requests, handled by the reusable argocd-* promises.

The sync wave goes into the request's spec.annotations so it lands on the AppProject/Application that
ArgoCD applies, not only on the request.
"""

from __future__ import annotations

from typing import Any

from .. import API_GROUP, API_VERSION, ARGOCD_NAMESPACE
from ..models import EffectiveSettings
from .helm_values import render_helm_values
from .meta import SYNC_WAVE, WAVE_APPLICATION, WAVE_PROJECT, Obj, common_labels, metadata, obj

RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"
RBAC_GROUP = "rbac.authorization.k8s.io"


def chart_cluster_resources(s: EffectiveSettings) -> list[dict[str, str]]:
    """The cluster-scoped objects the vcluster chart creates on the host, by name: the tenant's namespace
    (CreateNamespace) and, for syncing from the host (storage and ingress classes, volumes, the metrics proxy),
    its ClusterRole and binding `vc-<release>-v-<namespace>` (`vc-mn-...` in multi-namespace mode), named as
    the chart names them (cut to 63 characters, no trailing dash). Nothing else cluster-wide."""
    roles = [f"vc-{prefix}{s.names.release}-v-{s.target_namespace}"[:63].rstrip("-") for prefix in ("", "mn-")]
    return [{"group": "", "kind": "Namespace", "name": s.target_namespace},
            *({"group": RBAC_GROUP, "kind": kind, "name": role}
              for kind in ("ClusterRole", "ClusterRoleBinding") for role in roles)]


def _request(s: EffectiveSettings, kind: str, name: str, wave: int, spec: dict[str, Any]) -> Obj:
    meta = metadata(s, name, s.request_namespace, wave)
    return obj(f"{API_GROUP}/{API_VERSION}", kind, meta, spec=spec)


def _project(s: EffectiveSettings, name: str, description: str, sources: list[str],
             destinations: list[dict[str, str]], cluster_resources: list[dict[str, str]]) -> Obj:
    spec = {
        "name": name,
        "namespace": ARGOCD_NAMESPACE,
        "labels": {**common_labels(s), **dict(s.platform.project_labels)},
        "annotations": {SYNC_WAVE: str(WAVE_PROJECT)},
        "description": description,
        "sourceRepos": sources,
        "destinations": destinations,
        "clusterResourceWhitelist": cluster_resources,
        "namespaceResourceWhitelist": [{"group": "*", "kind": "*"}],
    }
    return _request(s, "ArgoCDProject", name, WAVE_PROJECT, spec)


def render_project_request(s: EffectiveSettings) -> Obj:
    """The host side: the platform's chart from its repository, into the tenant's namespace of the host, with
    only the cluster-scoped objects the chart makes."""
    return _project(s, s.names.project, f"vCluster {s.name} on the host", [s.chart_repo],
                    [{"server": s.destination_server, "namespace": s.target_namespace}], chart_cluster_resources(s))


def render_workload_project_request(s: EffectiveSettings) -> list[Obj]:
    """The tenant's side, when it has a workload repository: anything from that repository, into its own
    vCluster only (cluster-wide there is the tenant's own cluster, never the host)."""
    if not s.workload_repo_url:
        return []
    return [_project(s, s.names.workload_project, f"Workloads inside vCluster {s.name}", [s.workload_repo_url],
                     [{"name": s.name, "namespace": "*"}], [{"group": "*", "kind": "*"}])]


def _sync_policy(s: EffectiveSettings) -> dict[str, Any]:
    return {
        "automated": {"prune": s.sync_prune, "selfHeal": s.sync_self_heal, "allowEmpty": s.sync_allow_empty},
        "syncOptions": list(s.sync_options),
    }


def render_application_request(s: EffectiveSettings) -> Obj:
    names = s.names
    spec = {
        "name": names.application,
        "namespace": ARGOCD_NAMESPACE,
        "labels": common_labels(s),
        "annotations": {SYNC_WAVE: str(WAVE_APPLICATION)},
        "finalizers": [RESOURCES_FINALIZER],
        "project": names.project,
        "source": {
            "repoURL": s.chart_repo,
            "chart": s.chart,
            "targetRevision": s.chart_version,
            "helm": {"releaseName": names.release, "valuesObject": render_helm_values(s)},
        },
        "destination": {"server": s.destination_server, "namespace": s.target_namespace},
        "syncPolicy": _sync_policy(s),
    }
    return _request(s, "ArgoCDApplication", names.application, WAVE_APPLICATION, spec)


def render_workload_application_request(s: EffectiveSettings) -> list[Obj]:
    """An Application for the tenant's workload repository, deployed into the vCluster, when one is set."""
    if not s.workload_repo_url:
        return []
    name = f"{s.names.application}-workloads"
    source: dict[str, Any] = {"repoURL": s.workload_repo_url, "targetRevision": s.workload_repo_revision or "HEAD"}
    source["path"] = s.workload_repo_path or "."
    spec = {
        "name": name,
        "namespace": ARGOCD_NAMESPACE,
        "labels": common_labels(s),
        "annotations": {SYNC_WAVE: str(WAVE_APPLICATION + 1)},
        "finalizers": [RESOURCES_FINALIZER],
        "project": s.names.workload_project,
        "source": source,
        "destination": {"name": s.name, "namespace": "default"},
        "syncPolicy": {"automated": {"prune": True, "selfHeal": True, "allowEmpty": False},
                       "syncOptions": ["CreateNamespace=true"]},
    }
    return [_request(s, "ArgoCDApplication", name, WAVE_APPLICATION + 1, spec)]


def render_argocd_requests(s: EffectiveSettings) -> list[Obj]:
    return [render_project_request(s), *render_workload_project_request(s), render_application_request(s),
            *render_workload_application_request(s)]
