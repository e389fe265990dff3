"""kopf handlers: one timer per migration drives `reconcile`; the status is written with a JSON merge patch.

The timer interval is the requeue period (MIGRATION_RECONCILE_INTERVAL seconds, default 5); a phase that asks to
be requeued sooner just runs on the next tick. Timers of one object never overlap.

Kill points (tests only): with VSPHERE_MIGRATION_KILL_PLAN naming a file of lines such as
`execute DisableCVO before-status` or `rollback CreateTags after-status`, the process exits (code 137, as
after SIGKILL) right after a step completed that phase — before its status is written, or right after — once per
line: the line is moved to `<file>.fired` first. The end-to-end tier uses it to resume from every such point.
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
from platform_common.operator import install_startup

from .api.models import GROUP, PLURAL, VERSION
from .openshift.cluster import Cluster, ClusterError
from .reconcile import reconcile
from .vsphere.calllog import CallLog

LOG = logging.getLogger("vsphere_migration.controller")
INTERVAL = float(os.environ.get("MIGRATION_RECONCILE_INTERVAL", "5"))
CALLS = CallLog(keep=200)
KILL_PLAN_ENV = "VSPHERE_MIGRATION_KILL_PLAN"
KILLED_EXIT = 137


@functools.cache
def api_client() -> k8s.ApiClient:
    """One client for the process, from the in-cluster service account or KUBECONFIG."""
    return kube.api_client()


install_startup(GROUP, api_client)


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
def drive(body: kopf.Body, **_: Any) -> None:
    raw = dict(body)
    cluster = Cluster(api_client())
    result = reconcile(raw, cluster, CALLS)
    kill_point(result.finished, "before-status")
    old = dict(raw.get("status") or {})
    patch = kube.merge_patch(old, result.status)
    meta = raw["metadata"]
    if patch:
        try:
            cluster.custom.patch_namespaced_custom_object_status(GROUP, VERSION, meta["namespace"], PLURAL,
                                                                 meta["name"], {"status": patch})
        except k8s.ApiException as exc:
            raise kopf.TemporaryError(f"status update failed: {kube.api_message(exc)}", delay=INTERVAL) from None
        except ClusterError as exc:
            raise kopf.TemporaryError(str(exc), delay=INTERVAL) from None
    kill_point(result.finished, "after-status")
    for event in result.events:
        (kopf.warn if event.warning else kopf.info)(body, reason=event.reason, message=event.message)
