"""kopf handlers: one timer per migration drives `reconcile`; the controller writes the new status itself,
fenced by the resourceVersion the step started from.

The timer ticks every MIGRATION_RECONCILE_INTERVAL seconds (default 1); a tick does nothing until the delay the
last step asked for has passed (a phase waiting on machines polls every few seconds, an idle migration every
30 s), except that a change to the spec (a new generation: an approval, Pause, Rollback) is acted on at the
next tick. Timers of one object never overlap. The process's clients live in kopf's `memo` (set at start-up).

Fencing: every status write, those a step makes ahead of a side effect and the one after it, names the
resourceVersion it was computed from. A write that conflicts (another writer since: a new leader, an operator's
edit, kopf's own finalizer) is dropped and the next tick starts again from what the API server holds, so a
deposed leader never overwrites its successor's status.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import time
from typing import Any

import kopf
from kubernetes import client as k8s

from platform_common import kube
from platform_common.metrics import serve
from platform_common.operator import install_startup

from .api.models import GROUP, PLURAL, VERSION
from .metrics import MigrationMetrics
from .openshift.cluster import MIGRATIONS, Cluster, ClusterError
from .reconcile import reconcile
from .vsphere.calllog import CallLog

LOG = logging.getLogger("vsphere_migration.controller")
INTERVAL = float(os.environ.get("MIGRATION_RECONCILE_INTERVAL", "1"))
METRICS_PORT = int(os.environ.get("MIGRATION_METRICS_PORT", "9090"))


@functools.cache
def api_client() -> k8s.ApiClient:
    """One client for the process, from the in-cluster service account or KUBECONFIG; its user agent names the
    replica, so the API server's audit log tells which replica made each write."""
    client = kube.api_client()
    client.user_agent = f"vsphere-migration-controller/{os.environ.get('POD_NAME') or socket.gethostname()}"
    return client


install_startup(GROUP, api_client)


@functools.cache
def metrics() -> MigrationMetrics:
    """The process's metrics, served from the moment the process starts: a replica waiting for the Lease
    answers the scrape too (its target is up, with no migration series)."""
    served = MigrationMetrics()
    serve(served.registry, METRICS_PORT)
    return served


@kopf.on.startup()
def connect(memo: kopf.Memo, **_: Any) -> None:
    """The clients every migration's handler shares (kopf copies the operator's memo into each object's)."""
    memo.cluster = Cluster(api_client())
    memo.calls = CallLog(keep=200)
    memo.metrics = metrics()


def due(memo: kopf.Memo, meta: dict[str, Any]) -> bool:
    """Whether this tick reconciles: the delay the last step asked for has passed or the spec changed, and the
    object seen is not the one the last written status was computed from (the watch has delivered the write)."""
    if meta.get("resourceVersion") is not None and meta.get("resourceVersion") == memo.get("superseded"):
        return False
    return bool(meta.get("generation") != memo.get("generation") or time.monotonic() >= memo.get("not_before", 0.0))


def write_status(cluster: Cluster, meta: dict[str, Any], patch: dict[str, Any], version: str | None) -> bool:
    """Write the step's status onto `version`; False when it was dropped (a conflict, or the API unreachable)."""
    if not patch:
        return True
    try:
        cluster.patch_status(MIGRATIONS, meta["namespace"], meta["name"], patch, resource_version=version)
    except ClusterError as exc:
        LOG.warning("status of %s/%s not written (%s); reading it again", meta["namespace"], meta["name"], exc)
        return False
    return True


@kopf.timer(GROUP, VERSION, PLURAL, interval=INTERVAL, initial_delay=0.5)
def drive(body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    raw = dict(body)
    meta = raw["metadata"]
    if not due(memo, meta):
        return
    result = reconcile(raw, memo.cluster, memo.calls)
    patch = kube.merge_patch(dict(raw.get("status") or {}), result.status)
    written = write_status(memo.cluster, meta, patch, result.resource_version)
    changed = bool(patch) or result.resource_version != meta.get("resourceVersion")
    memo.generation = meta.get("generation")
    memo.superseded = meta.get("resourceVersion") if written and changed else None
    memo.not_before = time.monotonic() + ((result.delay or 0.0) if written else 0.0)
    if not written:
        return
    memo.metrics.record(meta["namespace"], meta["name"], result.status, result.finished,
                        any(e.reason == "PhaseFailed" for e in result.events), result.calls)
    for event in result.events:
        (kopf.warn if event.warning else kopf.info)(body, reason=event.reason, message=event.message)


ACTIVE_PHASES = ("Running", "RollingBack")
DELETION_RETRY = 10.0


@kopf.on.delete(GROUP, VERSION, PLURAL)
def guard_deletion(body: kopf.Body, spec: kopf.Spec, status: kopf.Status, memo: kopf.Memo, **_: Any) -> None:
    """While a phase runs or rolls back, the migration stays (kopf keeps its finalizer and retries this): its
    backups are owned by it and would be garbage-collected with it, halfway through a change. Paused, or in
    any other phase, it goes, and so do its metric series."""
    phase, current = status.get("phase"), status.get("currentPhase") or "a phase"
    if phase in ACTIVE_PHASES and spec.get("state") != "Paused":
        message = (f"{current} is {'rolling back' if phase == 'RollingBack' else 'running'}: deleting now would "
                   "remove the backups a rollback needs; set spec.state to Paused (or wait until the migration "
                   "ends), then the deletion completes")
        kopf.warn(body, reason="DeletionBlocked", message=message)
        raise kopf.TemporaryError(message, delay=DELETION_RETRY)
    memo.metrics.forget(body["metadata"]["namespace"], body["metadata"]["name"])
