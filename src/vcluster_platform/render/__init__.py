"""Renderers: pure functions from effective settings to Kubernetes objects, one module per family."""

from __future__ import annotations

from ..models import EffectiveSettings
from .argocd import render_argocd_requests
from .backup import render_backup
from .coredns import render_coredns
from .etcd_certs import render_etcd_certs
from .exposure import render_exposure
from .external_secrets import render_external_secrets
from .isolation import render_isolation
from .kubeconfig_sync import render_kubeconfig_sync
from .meta import Obj
from .namespace import render_namespace
from .network_policies import render_network_policies

FAMILIES = (
    render_namespace,
    render_network_policies,
    render_isolation,
    render_coredns,
    render_kubeconfig_sync,
    render_etcd_certs,
    render_backup,
    render_external_secrets,
    render_argocd_requests,
    render_exposure,
)


def render_all(s: EffectiveSettings) -> list[Obj]:
    """Every object one tenant vCluster needs, in apply order."""
    return [o for family in FAMILIES for o in family(s)]


__all__ = ["FAMILIES", "Obj", "render_all"]
