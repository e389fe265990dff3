"""Network flows of a tenant: the policy evaluator, the tenant's flow catalogue, and the comparison of two sets
of policies over it (the flow level of `migrate check`)."""

from __future__ import annotations

from typing import Any

from .catalogue import Flow, tenant_flows
from .compare import FlowReport, cni_of, compare_flows, format_flows

__all__ = ["Flow", "FlowReport", "flow_report", "format_flows"]


def flow_report(running: list[dict[str, Any]], ours: list[dict[str, Any]], request: dict[str, Any],
                cni: str | None = None) -> FlowReport:
    """The running side's policies against ours on the request's flows, under `cni` (default: what the
    renders say about the host, see cni_of)."""
    from ..models import settings_from_document

    return compare_flows(running, ours, tenant_flows(settings_from_document(request)), cni or cni_of(running, ours))
