"""`vcluster-platform delete NAME`: remove a tenant, after showing what goes with it.

What goes: the request, and with it (through Kratix's delete pipeline and ArgoCD's finalizers) the tenant's
namespace on the host with everything in it, its ArgoCD Applications and cluster registration, and the
PersistentVolumes the delete pipeline removes (those of the tenant bound to claims in its namespace): their
data is lost. The user confirms by typing the tenant's name (on a terminal) or passes --yes (scripts).

GitOps (default): the request file is removed (`--file`, default ./<name>.yaml) and the change is the user's to
commit. `--apply`: the request is deleted from the cluster; `--wait` follows it until it is gone.

exit codes: 0 deleted (asked); 1 not confirmed, or --wait timed out; 2 no such request or file, refused access,
or no confirmation possible (not a terminal and no --yes).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from vcluster_status.contract import GROUP, PLURAL
from vcluster_status.live import request_path

from ..errors import EXIT_ERROR, EXIT_INVALID, EXIT_OK
from ..pipeline.delete import MANAGED_BY_LABEL

Obj = dict[str, Any]


def doomed_volumes(api: Any, tenant: str, namespace: str) -> tuple[list[str], str]:
    """(volumes the delete pipeline removes, a note when they cannot be listed)."""
    from kubernetes.client.rest import ApiException

    from ..models.names import syncer_managed_by

    selector = f"{MANAGED_BY_LABEL}={syncer_managed_by(tenant, namespace)}"
    try:
        volumes = api.items("/api/v1/persistentvolumes", selector)
    except ApiException as exc:
        return [], (f"cannot list PersistentVolumes (HTTP {exc.status}; needs list on persistentvolumes): the "
                    f"delete pipeline removes those labelled {selector} and bound to claims in {namespace}")
    return sorted(v["metadata"]["name"] for v in volumes
                  if ((v.get("spec") or {}).get("claimRef") or {}).get("namespace") == namespace), ""


def tenant_of(request: Obj) -> tuple[str, str]:
    """(tenant name, host namespace) from the status contract, else from the spec as the pipeline derives them."""
    spec, status = request.get("spec") or {}, request.get("status") or {}
    tenant = str((status.get("vcluster") or {}).get("name") or spec.get("name") or request["metadata"]["name"])
    namespace = str((status.get("vcluster") or {}).get("namespace") or spec.get("targetNamespace")
                    or f"vcluster-{tenant}")
    return tenant, namespace


def what_goes(request: Obj, volumes: list[str], note: str) -> str:
    meta, status = request["metadata"], request.get("status") or {}
    tenant, namespace = tenant_of(request)
    secret = (status.get("credentials") or {}).get("kubeconfigSecret") or "-"
    application = status.get("application") or f"vcluster-{tenant}"
    lines = [f"Deleting tenant {tenant} removes:",
             f"  request            {meta['namespace']}/{meta['name']}",
             f"  host namespace     {namespace} and everything in it (the vCluster, its etcd, its workloads)",
             f"  ArgoCD             Application {application} (and its workloads Application), the cluster "
             "registration",
             f"  kubeconfig         Secret {namespace}/{secret} and its 1Password item"]
    backup = status.get("backup") or {}
    if str(backup.get("destination", "")).startswith("persistentVolumeClaim"):
        lines.append(f"  etcd snapshots     {backup['destination']} in {namespace} (with the namespace)")
    lines += [f"  PersistentVolume   {v}  (its data is lost)" for v in volumes]
    if note:
        lines.append(f"  PersistentVolumes  {note}")
    return "\n".join(lines)


def confirmed(name: str, yes: bool) -> bool | None:
    """True to go on, False when the user typed something else, None when nobody can be asked."""
    if yes:
        return True
    if not sys.stdin.isatty():
        return None
    answer = input(f"Type the tenant's request name ({name}) to delete it: ")
    return answer.strip() == name


def remove_file(path: Path, namespace: str, name: str) -> str:
    """Remove the GitOps request file, after checking it is that request."""
    try:
        doc = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise LookupError(f"cannot read {path}: {exc.strerror}; give the request file with --file") from None
    meta = (doc or {}).get("metadata") or {} if isinstance(doc, dict) else {}
    if (meta.get("name"), meta.get("namespace", namespace)) != (name, namespace):
        raise LookupError(f"{path} holds {meta.get('namespace')}/{meta.get('name')}, not {namespace}/{name}")
    path.unlink()
    return f"removed {path}; commit and push it, and the platform deletes the tenant"


def wait_gone(api: Any, path: str, timeout: float, interval: float) -> bool:
    deadline = time.monotonic() + timeout
    while api.get(path) is not None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def run_delete(args: argparse.Namespace) -> int:
    from platform_common.kube import JsonApi, api_client, api_error_text

    try:
        api = JsonApi(api_client(args.kubeconfig, args.context))
        path = request_path(args.namespace, args.name)
        request = api.get(path)
        if request is None:
            print(f"no VClusterOrchestratorV2 {args.namespace}/{args.name}", file=sys.stderr)
            return EXIT_INVALID
        print(what_goes(request, *doomed_volumes(api, *tenant_of(request))), flush=True)
        answer = confirmed(args.name, args.yes)
        if answer is None:
            print("not a terminal: pass --yes to delete without being asked", file=sys.stderr)
            return EXIT_INVALID
        if not answer:
            print("not deleted: the name typed does not match", file=sys.stderr)
            return EXIT_ERROR
        if not args.apply:
            print(remove_file(Path(args.file or f"{args.name}.yaml"), args.namespace, args.name))
            return EXIT_OK
        api.delete(path)
        print(f"deleted {args.namespace}/{args.name}; Kratix's delete pipeline and ArgoCD remove the rest")
        if args.wait and not wait_gone(api, path, args.timeout, args.interval):
            print(f"{args.namespace}/{args.name} is still there after {args.timeout:g} s (see vcluster-platform "
                  f"status {args.name} -n {args.namespace} --diagnose)", file=sys.stderr)
            return EXIT_ERROR
        return EXIT_OK
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - the API's own words, not a trace
        print(f"cannot delete: {api_error_text(exc)}; it needs get and delete on {PLURAL}.{GROUP} in "
              f"{args.namespace}", file=sys.stderr)
        return EXIT_INVALID
