"""`vcluster-platform sync NAME`: re-run a tenant's pipeline and ask ArgoCD to sync its Applications.

The pipeline is re-run the way Kratix offers it: the label `kratix.io/manual-reconciliation=true` on the
request (Kratix removes it once it has started the run). ArgoCD is asked through an Application `operation`
(a sync of the revision the Application tracks), the control plane's Application first and, once that sync has
finished, the tenant's workload Application. `--wait` follows each until it is done.

exit codes: 0 asked (with --wait: done and succeeded); 1 a sync failed or --wait timed out; 2 no such request,
access refused, or the cluster cannot be read.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

from platform_common.kube import object_path
from vcluster_status.contract import GROUP, PLURAL
from vcluster_status.live import request_path

from ..errors import EXIT_ERROR, EXIT_INVALID, EXIT_OK
from .access import Refusal, wait_until
from .access import call as _call

RECONCILE_LABEL = "kratix.io/manual-reconciliation"
ARGO_API = "argoproj.io/v1alpha1"
Obj = dict[str, Any]


def application_path(namespace: str, name: str) -> str:
    return object_path(ARGO_API, "applications", namespace, name)


def rerun_pipeline(api: Any, namespace: str, name: str) -> str:
    _call(f"labelling {namespace}/{name} for a new pipeline run", f"patch on {PLURAL}.{GROUP} in {namespace}",
          lambda: api.merge_patch(request_path(namespace, name), {"metadata": {"labels": {RECONCILE_LABEL: "true"}}}))
    return f"asked Kratix to re-run the pipeline of {namespace}/{name} (label {RECONCILE_LABEL}=true)"


def sync_operation(user: str) -> Obj:
    return {"operation": {"initiatedBy": {"username": user},
                          "sync": {"syncStrategy": {"hook": {}}},
                          "info": [{"name": "reason", "value": "vcluster-platform sync"}]}}


def applications_of(api: Any, request: Obj) -> list[tuple[str, str]]:
    """(namespace, name) of the tenant's Applications that exist, the control plane's first."""
    status = request.get("status") or {}
    namespace = str(status.get("applicationNamespace") or "argocd")
    control_plane = str(status.get("application") or f"vcluster-{request['spec']['name']}")
    found = []
    for name in (control_plane, f"{control_plane}-workloads"):
        path = application_path(namespace, name)
        if _call(f"reading Application {namespace}/{name}", f"get on applications.argoproj.io in {namespace}",
                 partial(api.get, path)) is not None:
            found.append((namespace, name))
    return found


def start_sync(api: Any, namespace: str, name: str) -> str:
    """Ask for a sync; the time it was asked (an operation state started at or after it is this sync's)."""
    asked = datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    _call(f"asking ArgoCD to sync {namespace}/{name}", f"patch on applications.argoproj.io in {namespace}",
          lambda: api.merge_patch(application_path(namespace, name), sync_operation("vcluster-platform")))
    return asked


def sync_finished(application: Obj | None, asked: str) -> str | None:
    """The phase of the sync asked at `asked` once it has finished (Succeeded, Failed, Error), else None."""
    state = ((application or {}).get("status") or {}).get("operationState") or {}
    if (application or {}).get("operation") or str(state.get("startedAt") or "") < asked:
        return None
    phase = str(state.get("phase") or "")
    return phase if phase in ("Succeeded", "Failed", "Error") else None


def _finished(api: Any, path: str, asked: str) -> str | None:
    return sync_finished(api.get(path), asked)


def sync_applications(api: Any, request: Obj, args: argparse.Namespace, deadline: float) -> int:
    """Sync each Application in turn; with --wait the next starts only after the previous succeeded."""
    for namespace, name in applications_of(api, request):
        asked = start_sync(api, namespace, name)
        print(f"asked ArgoCD to sync Application {namespace}/{name}", flush=True)
        if not args.wait:
            continue
        phase = wait_until(partial(_finished, api, application_path(namespace, name), asked), deadline, args.interval)
        print(f"  {namespace}/{name}: {phase or 'still syncing at the timeout'}", flush=True)
        if phase != "Succeeded":
            return EXIT_ERROR
    return EXIT_OK


def run_sync(args: argparse.Namespace) -> int:
    from platform_common.kube import JsonApi, api_client, api_error_text

    deadline = time.monotonic() + args.timeout
    try:
        api = JsonApi(api_client(args.kubeconfig, args.context))
        request = _call(f"reading {args.namespace}/{args.name}", f"get on {PLURAL}.{GROUP} in {args.namespace}",
                        lambda: api.get(request_path(args.namespace, args.name)))
        if request is None:
            raise Refusal(f"no VClusterOrchestratorV2 {args.namespace}/{args.name}", EXIT_INVALID)
        if args.what in ("all", "pipeline"):
            print(rerun_pipeline(api, args.namespace, args.name), flush=True)
            if args.wait and wait_until(lambda: _label_gone(api, args), deadline, args.interval) is None:
                print("  Kratix has not picked the run up by the timeout", file=sys.stderr)
                return EXIT_ERROR
        return sync_applications(api, request, args, deadline) if args.what in ("all", "argocd") else EXIT_OK
    except Refusal as refusal:
        print(str(refusal), file=sys.stderr)
        return refusal.code
    except Exception as exc:  # noqa: BLE001 - the API's own words, not a trace
        print(f"cannot read the cluster: {api_error_text(exc)}", file=sys.stderr)
        return EXIT_INVALID


def _label_gone(api: Any, args: argparse.Namespace) -> str | None:
    found = api.get(request_path(args.namespace, args.name)) or {}
    labels = (found.get("metadata") or {}).get("labels") or {}
    return "started" if RECONCILE_LABEL not in labels else None
