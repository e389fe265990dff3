"""Prometheus metrics for the controllers: one registry per component, served over HTTP on /metrics."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Gauge, start_http_server


def serve(registry: CollectorRegistry, port: int, address: str = "0.0.0.0") -> None:  # noqa: S104 - a pod port
    """Serve the registry's metrics on http://<address>:<port>/metrics from a daemon thread; port 0 disables."""
    if port:
        start_http_server(port, addr=address, registry=registry)


def set_one_hot(gauge: Gauge, labels: dict[str, str], current: str, values: Iterable[str]) -> None:
    """One series per value: 1 for `current`, 0 for the others (the kube-state-metrics phase idiom)."""
    for value in values:
        gauge.labels(**labels, phase=value).set(1 if value == current else 0)

