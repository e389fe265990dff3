"""Request models of the reusable ArgoCDProject and ArgoCDApplication promises."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .base import DnsLabel, DnsSubdomain, FreeForm, LabelMap, RequestModel, StringMap


class HelmSource(RequestModel):
    release_name: DnsLabel | None = Field(None, description="Helm release name (default: the Application name).")
    values_object: FreeForm | None = Field(None, description="Helm values as data (preferred).")
    values: str | None = Field(None, description="Helm values as YAML text (use valuesObject when you can).")
    value_files: list[str] | None = None

    @model_validator(mode="after")
    def _one_values_form(self) -> HelmSource:
        if self.values_object is not None and self.values is not None:
            raise ValueError("set helm.valuesObject or helm.values, not both")
        return self


class ApplicationSource(RequestModel):
    repo_url: str = Field(validation_alias="repoURL", serialization_alias="repoURL",
                          pattern=r"^(https://|ssh://|git@|oci://)\S+$", description="Git or Helm repository URL.")
    chart: str | None = Field(None, pattern=r"^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$", description="Helm chart name.")
    path: str | None = Field(None, description="Directory in a Git repository.")
    target_revision: str = Field(min_length=1, description="Chart version, branch, tag or commit.")
    helm: HelmSource | None = None

    @model_validator(mode="after")
    def _chart_or_path(self) -> ApplicationSource:
        if (self.chart is None) == (self.path is None):
            raise ValueError("set exactly one of source.chart (Helm repository) or source.path (Git repository)")
        return self


class ApplicationDestination(RequestModel):
    server: str | None = Field(None, pattern=r"^https://\S+$", description="API server URL of the cluster.")
    name: DnsSubdomain | None = Field(None, description="ArgoCD cluster name (instead of server).")
    namespace: str = Field(pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?|\*)$", max_length=63)

    @model_validator(mode="after")
    def _server_or_name(self) -> ApplicationDestination:
        if (self.server is None) == (self.name is None):
            raise ValueError("set exactly one of destination.server or destination.name")
        return self


class Automated(RequestModel):
    prune: bool | None = None
    self_heal: bool | None = None
    allow_empty: bool | None = None


class Backoff(RequestModel):
    duration: str | None = Field(None, pattern=r"^[0-9]+(s|m|h)$")
    factor: int | None = Field(None, ge=1, le=10)
    max_duration: str | None = Field(None, pattern=r"^[0-9]+(s|m|h)$")


class Retry(RequestModel):
    limit: int | None = Field(None, ge=-1, le=100)
    backoff: Backoff | None = None


class ApplicationSyncPolicy(RequestModel):
    automated: Automated | None = None
    sync_options: list[str] | None = None
    retry: Retry | None = None


class ArgoCDApplicationSpec(RequestModel):
    """One ArgoCD Application."""

    name: DnsLabel = Field(description="Application name.")
    namespace: DnsLabel | None = Field(None, description="Namespace of ArgoCD (default argocd).")
    labels: LabelMap | None = None
    annotations: StringMap | None = Field(None, description="Annotations on the Application (e.g. sync-wave).")
    finalizers: list[Literal["resources-finalizer.argocd.argoproj.io",
                             "resources-finalizer.argocd.argoproj.io/background",
                             "resources-finalizer.argocd.argoproj.io/foreground"]] | None = None
    project: DnsLabel = Field(description="AppProject the Application belongs to.")
    source: ApplicationSource
    destination: ApplicationDestination
    sync_policy: ApplicationSyncPolicy | None = None


class ProjectDestination(RequestModel):
    server: str | None = Field(None, pattern=r"^(https://\S+|\*)$")
    name: str | None = Field(None, pattern=r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?|\*)$")
    namespace: str = Field(pattern=r"^([a-z0-9*]([-a-z0-9*]*[a-z0-9*])?)$", max_length=63)

    @model_validator(mode="after")
    def _server_or_name(self) -> ProjectDestination:
        if self.server is None and self.name is None:
            raise ValueError("set destination server or name")
        return self


class GroupKind(RequestModel):
    group: str = Field(pattern=r"^([a-z0-9.-]*|\*)$")
    kind: str = Field(pattern=r"^([A-Za-z0-9]+|\*)$")


class ClusterResource(GroupKind):
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9.*?\[\]-]+$", max_length=253,
                             description="Only objects of this name (a glob, as ArgoCD matches it); empty: all.")


class ProjectRole(RequestModel):
    name: DnsLabel
    description: str | None = None
    policies: list[str] | None = None
    groups: list[str] | None = None


class ArgoCDProjectSpec(RequestModel):
    """One ArgoCD AppProject."""

    name: DnsLabel = Field(description="AppProject name.")
    namespace: DnsLabel | None = Field(None, description="Namespace of ArgoCD (default argocd).")
    labels: LabelMap | None = None
    annotations: StringMap | None = None
    description: str | None = Field(None, max_length=255)
    source_repos: list[str] = Field(min_length=1, description="Repositories Applications may use.")
    destinations: list[ProjectDestination] = Field(min_length=1)
    cluster_resource_whitelist: list[ClusterResource] | None = None
    namespace_resource_whitelist: list[GroupKind] | None = None
    roles: list[ProjectRole] | None = None


def drop_none(value: Any) -> Any:
    """Recursively remove None values (model dumps → Kubernetes objects)."""
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value]
    return value
