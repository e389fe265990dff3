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
from kubernetes import config as k8s_config

from .api.models import GROUP, PLURAL, VERSION
from .openshift.cluster import Cluster, ClusterError, api_message
from .reconcile import reconcile
from .vsphere.calllog import CallLog

LOG = logging.getLogger("vsphere_migration.controller")
INTERVAL = float(os.environ.get("MIGRATION_RECONCILE_INTERVAL", "5"))
CALLS = CallLog(keep=200)
KILL_PLAN_ENV = "VSPHERE_MIGRATION_KILL_PLAN"
KILLED_EXIT = 137


def merge_patch(old: Any, new: Any) -> Any:
    """RFC 7386 merge patch turning `old` into `new` (removed keys become null)."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return new
    patch: dict[str, Any] = {k: None for k in old if k not in new}
    for key, value in new.items():
        if key not in old:
            patch[key] = value
        elif old[key] != value:
            patch[key] = merge_patch(old[key], value)
    return patch


@functools.cache
def api_client() -> k8s.ApiClient:
    """One client for the process, from the in-cluster service account or KUBECONFIG."""
    try:
        k8s_config.load_incluster_config()
    except k8s_config.ConfigException:
        k8s_config.load_kube_config()
    return k8s.ApiClient()


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix=GROUP)
    settings.posting.level = logging.INFO
    settings.watching.server_timeout = 60
    settings.scanning.disabled = True  # the CRD and the namespace are known: no cluster-wide CRD/namespace lists


@kopf.on.login()
def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    api_client()  # loads the same configuration the handlers use
    info: kopf.ConnectionInfo | None = kopf.login_via_client(**kwargs)
    return info


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
    patch = merge_patch(old, result.status)
    meta = raw["metadata"]
    if patch:
        try:
            cluster.custom.patch_namespaced_custom_object_status(GROUP, VERSION, meta["namespace"], PLURAL,
                                                                 meta["name"], {"status": patch})
        except k8s.ApiException as exc:
            raise kopf.TemporaryError(f"status update failed: {api_message(exc)}", delay=INTERVAL) from None
        except ClusterError as exc:
            raise kopf.TemporaryError(str(exc), delay=INTERVAL) from None
    kill_point(result.finished, "after-status")
    for event in result.events:
        (kopf.warn if event.warning else kopf.info)(body, reason=event.reason, message=event.message)
