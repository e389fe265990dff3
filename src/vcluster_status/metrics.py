"""The reconciler's Prometheus metrics, in their own registry (served by platform_common.metrics.serve)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from platform_common.clock import parse
from platform_common.metrics import set_one_hot

from . import contract as c

TENANT = ("namespace", "name")


class Metrics:
    """Per-tenant gauges (set from the status just written) and the reconciler's own counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.phase = Gauge("vcluster_tenant_phase", "1 for the tenant's current phase, 0 for the others",
                           [*TENANT, "phase"], registry=r)
        self.ready = Gauge("vcluster_tenant_ready", "1 when the tenant is Ready", TENANT, registry=r)
        self.pods_ready = Gauge("vcluster_tenant_pods_ready", "ready pods in the tenant namespace", TENANT,
                                registry=r)
        self.pods_total = Gauge("vcluster_tenant_pods_total", "pods that should run in the tenant namespace",
                                TENANT, registry=r)
        self.backup_last_success = Gauge(
            "vcluster_tenant_backup_last_success_timestamp_seconds", "when the tenant's last etcd snapshot "
            "succeeded (the backup CronJob's creation until the first success)", TENANT, registry=r)
        self.backup_max_age = Gauge("vcluster_tenant_backup_max_age_seconds", "how old the last good snapshot "
                                    "may get: twice the longest gap of the backup schedule", TENANT, registry=r)
        self.duration = Histogram("vcluster_status_reconcile_duration_seconds", "time to reconcile one tenant",
                                  registry=r, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.errors = Counter("vcluster_status_reconcile_errors", "reconciles that failed, by reason", ["reason"],
                              registry=r)
        self.transitions = Counter("vcluster_status_phase_transitions",
                                   "phase changes this process wrote (a restart does not repeat them)",
                                   ["from_phase", "to_phase"], registry=r)

    def record(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        labels = {"namespace": namespace, "name": name}
        phase = str(status.get("phase") or c.UNKNOWN)
        set_one_hot(self.phase, labels, phase, c.PHASES)
        self.ready.labels(**labels).set(1 if phase == c.READY else 0)
        pods = (status.get("health") or {}).get("workloads") or {}
        self.pods_ready.labels(**labels).set(float(pods.get("ready", 0)))
        self.pods_total.labels(**labels).set(float(pods.get("total", 0)))
        self._record_backup(labels, status)

    def _record_backup(self, labels: dict[str, str], status: dict[str, Any]) -> None:
        """Backup series only for a tenant with backups whose CronJob has been seen."""
        backup = (status.get("health") or {}).get("backup") or {}
        max_age = (status.get("backup") or {}).get("maxAgeSeconds")
        since = backup.get("since")  # the last success, else the CronJob's creation
        if not max_age or not since:
            _remove(self.backup_last_success, *labels.values())
            _remove(self.backup_max_age, *labels.values())
            return
        self.backup_last_success.labels(**labels).set(parse(since).timestamp())
        self.backup_max_age.labels(**labels).set(float(max_age))

    def forget(self, namespace: str, name: str) -> None:
        """Drop a deleted request's series."""
        for gauge in (self.ready, self.pods_ready, self.pods_total, self.backup_last_success, self.backup_max_age):
            _remove(gauge, namespace, name)
        for phase in c.PHASES:
            _remove(self.phase, namespace, name, phase)


def _remove(gauge: Gauge, *values: str) -> None:
    try:
        gauge.remove(*values)
    except KeyError:
        return
