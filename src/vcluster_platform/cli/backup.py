"""`vcluster-platform backup list NAME` and `backup restore NAME --snapshot S`.

`list` shows the snapshots the backup keeps: the newest successful backup pod reports them (name and size) in
its termination message, and the CronJob says when the last one succeeded.

`restore` replaces the tenant's etcd data with a snapshot. It prints its runbook first; it changes nothing
without `--yes` (`-o yaml` prints the restore Jobs for a manual run instead). With `--yes` it follows the
runbook: ArgoCD's automated sync of the tenant's Application paused (it would scale the control plane back
up), the control plane and then etcd scaled to zero, one Job per member that verifies the snapshot and
restores that member's data directory (the old data stays beside it), etcd and then the control plane
scaled back, the automated sync put back. A Job that fails (a snapshot that fails verification) stops it
there, with everything still stopped, and names the Job.

exit codes: 0 listed / restored, 1 not confirmed (no --yes), a Job failed or the wait timed out, 2 no such
request or snapshot, no backups, access refused or the cluster cannot be read.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

import yaml

from platform_common.kube import object_path
from vcluster_status.contract import GROUP, PLURAL
from vcluster_status.live import request_path

from ..errors import EXIT_ERROR, EXIT_INVALID, EXIT_OK
from .access import Refusal, call, wait_until

Obj = dict[str, Any]
ARGO_API = "argoproj.io/v1alpha1"
PAUSED_ANNOTATION = "platform.integratn.tech/restore-paused-sync"


def _api(args: argparse.Namespace) -> Any:
    from platform_common.kube import JsonApi, api_client

    return JsonApi(api_client(args.kubeconfig, args.context))


def _backup_of(api: Any, args: argparse.Namespace) -> tuple[Obj, Obj]:
    """(request, its status.backup), or a Refusal naming what is missing."""
    request = call(f"reading {args.namespace}/{args.name}", f"get on {PLURAL}.{GROUP} in {args.namespace}",
                   lambda: api.get(request_path(args.namespace, args.name)))
    if request is None:
        raise Refusal(f"no VClusterOrchestratorV2 {args.namespace}/{args.name}", EXIT_INVALID)
    backup = (request.get("status") or {}).get("backup")
    if not backup:
        raise Refusal(f"{args.namespace}/{args.name} has no backups (spec.backup.enabled; only a deployed etcd is "
                      "backed up)", EXIT_INVALID)
    return request, backup


def kept_snapshots(api: Any, namespace: str, cronjob: str) -> list[tuple[str, int]]:
    """(snapshot, bytes) newest first, as the newest successful backup pod of `cronjob` reported them."""
    from ..render.backup import BACKUP_COMPONENT, COMPONENT_LABEL

    pods = call(f"listing the backup pods in {namespace}", f"list on pods in {namespace}",
                lambda: api.items(object_path("v1", "pods", namespace), f"{COMPONENT_LABEL}={BACKUP_COMPONENT}"))
    done = [p for p in pods if (p.get("status") or {}).get("phase") == "Succeeded"
            and str(p["metadata"].get("name", "")).startswith(f"{cronjob}-")]
    if not done:
        return []
    newest = max(done, key=lambda p: p["metadata"].get("creationTimestamp") or "")
    statuses: list[Obj] = (newest.get("status") or {}).get("containerStatuses") or []
    store: Obj = next((s for s in statuses if s["name"] == "store"), {})
    message = ((store.get("state") or {}).get("terminated") or {}).get("message") or ""
    rows = [line.split() for line in message.splitlines() if line.strip()]
    return [(row[0], int(row[1])) for row in rows if len(row) == 2 and row[1].isdigit()]


def taken_at(snapshot: str) -> str:
    found = re.search(r"-(\d{8}T\d{6}Z)\.db$", snapshot)
    if not found:
        return "-"
    return datetime.strptime(found.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).strftime("%Y-%m-%d %H:%M UTC")


def run_list(args: argparse.Namespace) -> int:
    try:
        api = _api(args)
        request, backup = _backup_of(api, args)
        namespace = str(request["status"]["vcluster"]["namespace"])
        snapshots = kept_snapshots(api, namespace, str(backup["cronJob"]))
        cron = call("reading the backup CronJob", f"get on cronjobs.batch in {namespace}",
                    lambda: api.get(object_path("batch/v1", "cronjobs", namespace, str(backup["cronJob"]))))
        last = ((cron or {}).get("status") or {}).get("lastSuccessfulTime")
        if args.output == "json":
            print(json.dumps({"backup": backup, "lastSuccessfulTime": last, "snapshots": [
                {"name": n, "bytes": size, "taken": taken_at(n)} for n, size in snapshots]}, indent=2))
            return EXIT_OK
        print(f"{backup['destination']}, {backup['directory']}; schedule {backup['schedule']} (UTC), keeps "
              f"{backup['retention']}; last success: {last or 'never'}")
        if not snapshots:
            print("no snapshot is recorded yet (no successful backup pod left to read)")
        for name, size in snapshots:
            print(f"  {name}  {size / 1048576:8.1f} MiB  {taken_at(name)}")
        return EXIT_OK
    except Refusal as refusal:
        print(str(refusal), file=sys.stderr)
        return refusal.code


def _restore_plan(request: Obj, snapshot: str) -> tuple[Any, list[Obj], str]:
    """(settings, restore Jobs, restore id) for this request, with the renderer the pipeline uses."""
    from ..models import settings_from_document
    from ..render.backup import member_names, restore_job

    settings = settings_from_document({k: request[k] for k in ("apiVersion", "kind", "metadata", "spec")})
    restore_id = datetime.now(UTC).strftime("%Y%m%dt%H%M%S")
    return settings, [restore_job(settings, m, snapshot, restore_id) for m in member_names(settings)], restore_id


def runbook(request: Obj, settings: Any, jobs: list[Obj], snapshot: str) -> str:
    from ..render.backup import MEMBER_LABEL

    status = request["status"]
    ns, name = settings.target_namespace, settings.name
    app = f"{status.get('applicationNamespace') or 'argocd'}/{status.get('application')}"
    return "\n".join([
        f"Restoring vCluster {name} from {snapshot} replaces its etcd data: what changed since is lost.",
        f"  1. pause the automated sync of Application {app} (it would scale the control plane back up)",
        f"  2. scale StatefulSet {ns}/{name} (control plane) and then {ns}/{name}-etcd to 0",
        *[f"  3. Job {ns}/{j['metadata']['name']}: verify the snapshot, restore member "
          f"{j['metadata']['labels'][MEMBER_LABEL]} (old data kept as member.before-restore-*)" for j in jobs],
        f"  4. scale {ns}/{name}-etcd back to {settings.etcd_replicas}, then {ns}/{name} to {settings.replicas}",
        f"  5. put the automated sync of {app} back; follow with: vcluster-platform status {name} --wait",
    ])


def _scale(api: Any, namespace: str, name: str, replicas: int) -> None:
    path = object_path("apps/v1", "statefulsets", namespace, name)
    call(f"scaling StatefulSet {namespace}/{name} to {replicas}", f"patch on statefulsets.apps in {namespace}",
         lambda: api.merge_patch(path, {"spec": {"replicas": replicas}}))


def _pause_sync(api: Any, path: str, pause: bool) -> None:
    """Pause: keep the automated policy in an annotation and remove it; resume: put it back."""
    app = call("reading the tenant's Application", "get on applications.argoproj.io", lambda: api.get(path))
    if app is None:
        return
    annotations = app["metadata"].get("annotations") or {}
    if pause:
        automated = (app["spec"].get("syncPolicy") or {}).get("automated")
        if automated is None:
            return
        patch = {"metadata": {"annotations": {PAUSED_ANNOTATION: json.dumps(automated)}},
                 "spec": {"syncPolicy": {"automated": None}}}
    elif PAUSED_ANNOTATION in annotations:
        patch = {"metadata": {"annotations": {PAUSED_ANNOTATION: None}},
                 "spec": {"syncPolicy": {"automated": json.loads(annotations[PAUSED_ANNOTATION])}}}
    else:
        return
    call("changing the Application's automated sync", "patch on applications.argoproj.io",
         lambda: api.merge_patch(path, patch))


def _job_outcome(api: Any, job: Obj) -> str | None:
    meta = job["metadata"]
    found = api.get(object_path("batch/v1", "jobs", meta["namespace"], meta["name"])) or {}
    for condition in (found.get("status") or {}).get("conditions") or []:
        if condition.get("status") == "True" and condition.get("type") in ("Complete", "Failed"):
            return str(condition["type"])
    return None


def _run_jobs(api: Any, jobs: list[Obj], args: argparse.Namespace) -> str | None:
    """Create the Jobs, wait for each; the name of the first that failed or timed out, else None."""
    for job in jobs:
        ns, name = job["metadata"]["namespace"], job["metadata"]["name"]
        call(f"creating Job {ns}/{name}", f"create on jobs.batch in {ns}", partial(
            api.create, object_path("batch/v1", "jobs", ns), job))
    deadline = time.monotonic() + args.timeout
    for job in jobs:
        outcome = wait_until(partial(_job_outcome, api, job), deadline, args.interval)
        print(f"  Job {job['metadata']['name']}: {outcome or 'not finished at the timeout'}", flush=True)
        if outcome != "Complete":
            return str(job["metadata"]["name"])
    return None


def _restore(api: Any, request: Obj, settings: Any, jobs: list[Obj], args: argparse.Namespace) -> int:
    status, ns, name = request["status"], settings.target_namespace, settings.name
    app_path = object_path(ARGO_API, "applications", status.get("applicationNamespace") or "argocd",
                           str(status.get("application")))
    _pause_sync(api, app_path, True)
    _scale(api, ns, name, 0)
    _scale(api, ns, f"{name}-etcd", 0)
    failed = _run_jobs(api, jobs, args)
    if failed:
        print(f"stopped: Job {ns}/{failed} did not complete (kubectl -n {ns} logs job/{failed} --all-containers); "
              f"the control plane and etcd stay at 0 replicas and the automated sync paused. Members restored "
              f"before it keep their old data as member.before-restore-*", file=sys.stderr)
        return EXIT_ERROR
    _scale(api, ns, f"{name}-etcd", settings.etcd_replicas)
    _scale(api, ns, name, settings.replicas)
    _pause_sync(api, app_path, False)
    print(f"restored {name} from {args.snapshot}; follow with: vcluster-platform status {name} --wait")
    return EXIT_OK


def run_restore(args: argparse.Namespace) -> int:
    try:
        api = _api(args)
        request, backup = _backup_of(api, args)
        tenant = str(request["status"]["vcluster"]["name"])
        if not re.fullmatch(re.escape(tenant) + r"-\d{8}T\d{6}Z\.db", args.snapshot):
            raise Refusal(f"--snapshot {args.snapshot!r} is not one of {tenant}'s snapshots (<name>-<UTC "
                          "stamp>.db; see vcluster-platform backup list)", EXIT_INVALID)
        kept = [n for n, _ in kept_snapshots(api, str(request["status"]["vcluster"]["namespace"]),
                                             str(backup["cronJob"]))]
        if kept and args.snapshot not in kept:
            raise Refusal(f"--snapshot {args.snapshot} is not among the kept snapshots: {', '.join(kept)}",
                          EXIT_INVALID)
        settings, jobs, _ = _restore_plan(request, args.snapshot)
        if args.output == "yaml":
            print(yaml.safe_dump_all(jobs, sort_keys=False), end="")
            return EXIT_OK
        print(runbook(request, settings, jobs, args.snapshot), flush=True)
        if not args.yes:
            print("not restored: a restore replaces the tenant's data; run again with --yes", file=sys.stderr)
            return EXIT_ERROR
        return _restore(api, request, settings, jobs, args)
    except Refusal as refusal:
        print(str(refusal), file=sys.stderr)
        return refusal.code
