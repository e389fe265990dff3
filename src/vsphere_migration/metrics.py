"""The migration controller's Prometheus metrics (served on MIGRATION_METRICS_PORT, default 9090; 0: off)."""

from __future__ import annotations

import contextlib
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from platform_common.clock import parse, seconds_since
from platform_common.metrics import set_one_hot

OVERALL_PHASES = ("Pending", "Running", "WaitingForApproval", "Paused", "Succeeded", "Failed", "RollingBack",
                  "RolledBack")


def call_method(api: str, method: str) -> str:
    """A bounded label for a call: REST paths with their object IDs replaced by {id}, queries dropped."""
    if api != "rest":
        return method
    verb, _, path = method.partition(" ")
    segments = ["{id}" if ":" in s or s.isdigit() else s for s in path.split("?")[0].split("/")]
    return f"{verb} {'/'.join(segments)}"


def call_outcome(outcome: str) -> str:
    """ok (a SOAP answer or an HTTP 2xx), not_found (HTTP 404: often expected, e.g. already removed) or error."""
    if outcome == "ok" or (outcome.startswith("HTTP 2") and len(outcome) == 8):
        return "ok"
    return "not_found" if outcome == "HTTP 404" else "error"


def _seconds(record: dict[str, Any]) -> float | None:
    if not record.get("startTime") or not record.get("endTime"):
        return None
    return seconds_since(record["startTime"], parse(record["endTime"]))


class MigrationMetrics:
    """Per-migration phase, and counters of what this process did (a restart starts them at zero)."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.phase = Gauge("vsphere_migration_phase", "1 for the migration's current overall phase",
                           ["namespace", "name", "phase"], registry=r)
        self.progress = Gauge("vsphere_migration_progress_percent", "completed phases in percent",
                              ["namespace", "name"], registry=r)
        self.phase_duration = Histogram("vsphere_migration_phase_duration_seconds",
                                        "wall time of a finished phase (execute or rollback)",
                                        ["phase", "result"], registry=r,
                                        buckets=(1, 5, 15, 60, 300, 900, 1800, 3600, 7200))
        self.vsphere_calls = Counter("vsphere_migration_vsphere_calls", "vSphere calls by method and outcome",
                                     ["api", "method", "outcome"], registry=r)
        self.rollbacks = Counter("vsphere_migration_rollbacks", "phases rolled back", ["phase"], registry=r)
        self.failures = Counter("vsphere_migration_phase_failures", "phases that failed", ["phase"], registry=r)

    def record(self, namespace: str, name: str, status: dict[str, Any], finished: str | None,
               failed: bool, calls: list[dict[str, Any]]) -> None:
        """Everything one reconcile step changed."""
        set_one_hot(self.phase, {"namespace": namespace, "name": name}, str(status.get("phase") or "Pending"),
                    OVERALL_PHASES)
        self.progress.labels(namespace, name).set(float(status.get("progress") or 0))
        for call in calls:
            self.vsphere_calls.labels(call["api"], call_method(call["api"], call["method"]),
                                      call_outcome(str(call.get("outcome")))).inc()
        history = status.get("phaseHistory") or []
        last = history[-1] if history else {}
        if finished or failed:
            took = _seconds(last)
            if took is not None:
                self.phase_duration.labels(last["name"], last["result"]).observe(took)
        if finished and finished.startswith("rollback "):
            self.rollbacks.labels(finished.split(" ", 1)[1]).inc()
        if failed and last:
            self.failures.labels(last["name"]).inc()

    def forget(self, namespace: str, name: str) -> None:
        """Drop a deleted migration's series (its phase and progress would otherwise stay until a restart)."""
        for phase in OVERALL_PHASES:
            with contextlib.suppress(KeyError):
                self.phase.remove(namespace, name, phase)
        with contextlib.suppress(KeyError):
            self.progress.remove(namespace, name)
