"""The public view of tenants on a cluster, for clients such as `vcluster-platform status`: where the requests
are, a tenant's identity from its status, one observation of its live objects (read as the reconciler reads
them), and how ArgoCD's and the kubeconfig's states read. Clients use this module and `contract`; the
reconciler's own modules (assess, observe, observation) may change behind them."""

from __future__ import annotations

from .assess import argocd_state
from .observation import Obj, Observation, Tenant, kubeconfig_available, tenant_of
from .observe import all_requests_path, observe, request_path

__all__ = ["Obj", "Observation", "Tenant", "all_requests_path", "argocd_state", "kubeconfig_available", "observe",
           "request_path", "tenant_of"]
