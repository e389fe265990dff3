"""kopf handlers: one timer per migration drives `reconcile`; its new status goes out through kopf's `patch`.

The timer interval is the requeue period (MIGRATION_RECONCILE_INTERVAL seconds, default 5); a phase that asks to
be requeued sooner just runs on the next tick. Timers of one object never overlap. The process's clients live in
kopf's `memo` (set at start-up); kopf writes the status patch after the handler returns and retries a failed
write itself.

Kill points (tests only): with VSPHERE_MIGRATION_KILL_PLAN naming a file of lines such as
`execute DisableCVO before-status` or `rollback CreateTags after-status`, the process exits (code 137, as
after SIGKILL) once a step completed that phase — before its status is written (in the handler), or after kopf
wrote it (at the start of the object's next tick, before anything else runs) — once per line: the line is moved
to `<file>.fired` first. The end-to-end tier uses it to resume from every such point.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any

import kopf
from kubernetes import client as k8s

from platform_common import kube
from platform_common.metrics import serve
from platform_common.operator import install_startup

from .api.models import GROUP, PLURAL, VERSION
from .metrics import MigrationMetrics
from .openshift.cluster import Cluster
from .reconcile import reconcile
from .vsphere.calllog import CallLog

LOG = logging.getLogger("vsphere_migration.controller")
INTERVAL = float(os.environ.get("MIGRATION_RECONCILE_INTERVAL", "5"))
METRICS_PORT = int(os.environ.get("MIGRATION_METRICS_PORT", "9090"))
KILL_PLAN_ENV = "VSPHERE_MIGRATION_KILL_PLAN"
KILLED_EXIT = 137


@functools.cache
def api_client() -> k8s.ApiClient:
    """One client for the process, from the in-cluster service account or KUBECONFIG."""
    return kube.api_client()


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


def kill_point(finished: str | None, where: str) -> None:
    """Exit here when the kill plan lists this point (see the module docstring); a no-op without a plan."""
    plan_file = os.environ.get(KILL_PLAN_ENV)
    if not plan_file or finished is None:
        return
    plan, point = Path(plan_file), f"{finished} {where}"
    lines = plan.read_text().splitlines()
    if point not in lines:
        return
    plan.write_text("".join(f"{line}\n" for line in lines if line != point))
    with Path(f"{plan_file}.fired").open("a") as fired:
        fired.write(f"{point}\n")
    LOG.warning("kill point %s reached: exiting", point)
    os._exit(KILLED_EXIT)


@kopf.timer(GROUP, VERSION, PLURAL, interval=INTERVAL, initial_delay=0.5)
def drive(body: kopf.Body, patch: kopf.Patch, memo: kopf.Memo, **_: Any) -> None:
    kill_point(memo.get("finished"), "after-status")  # the last tick's status has been written by kopf
    memo.finished = None
    raw = dict(body)
    result = reconcile(raw, memo.cluster, memo.calls)
    kill_point(result.finished, "before-status")
    status_patch = kube.merge_patch(dict(raw.get("status") or {}), result.status)
    if status_patch:
        patch.status.update(status_patch)
    memo.finished = result.finished
    meta = raw["metadata"]
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
