"""`vcluster-platform kubeconfig NAME`: the tenant's kubeconfig, from the Secret its status contract names.

Written with mode 0600 to ~/.kube/<context>.yaml (default), to `-o FILE`, to stdout only with `-o -`, or merged
into the user's kubeconfig (`--merge`) as a context named after the tenant: an older entry of that name is
replaced, everything else kept. A missing request, a tenant that is not Ready yet, a missing Secret or a
refused read each get a message naming what is missing and the permission needed.

exit codes: 0 written; 1 not there yet (the tenant is not Ready or its Secret not synced: try again later);
2 no such request, access refused, or a kubeconfig that cannot be read.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from vcluster_status.contract import GROUP, KIND, PLURAL
from vcluster_status.live import request_path

from ..errors import EXIT_ERROR, EXIT_INVALID, EXIT_OK
from .access import Refusal

SECRET_KEY = "kubeconfig"
Obj = dict[str, Any]


def _read(api: Any, path: str, what: str, permission: str) -> Obj | None:
    """The object at `path`, None when it does not exist; a refused read names the permission it needs."""
    from kubernetes.client.rest import ApiException

    from platform_common.kube import api_error_text

    try:
        found: Obj | None = api.get(path)
        return found
    except ApiException as exc:
        if exc.status in (401, 403):
            raise Refusal(f"reading {what} is refused ({api_error_text(exc)}); it needs {permission}",
                          EXIT_INVALID) from None
        raise


def locate(api: Any, namespace: str, name: str) -> tuple[Obj, str, str]:
    """(request, namespace of the kubeconfig Secret, its name) from the request's status contract."""
    request = _read(api, request_path(namespace, name), f"{KIND} {namespace}/{name}",
                    f"get on {PLURAL}.{GROUP} in namespace {namespace}")
    if request is None:
        raise Refusal(f"no VClusterOrchestratorV2 {namespace}/{name} (list them: vcluster-platform status -n "
                      f"{namespace})", EXIT_INVALID)
    status = request.get("status") or {}
    secret = (status.get("credentials") or {}).get("kubeconfigSecret") or status.get("kubeconfigSecret")
    secret_namespace = (status.get("vcluster") or {}).get("namespace")
    if not secret or not secret_namespace:
        raise Refusal(f"{namespace}/{name} has no kubeconfig in its status yet: its configure pipeline has not "
                      "run (see vcluster-platform status --diagnose)", EXIT_ERROR)
    return request, str(secret_namespace), str(secret)


def fetch(api: Any, namespace: str, name: str) -> tuple[str, str]:
    """(kubeconfig text, the tenant's name) of request `namespace/name`."""
    request, secret_namespace, secret = locate(api, namespace, name)
    status = request.get("status") or {}
    found = _read(api, f"/api/v1/namespaces/{secret_namespace}/secrets/{secret}",
                  f"Secret {secret_namespace}/{secret}",
                  f"get on secrets in namespace {secret_namespace} (resourceNames: {secret})")
    phase = status.get("phase") or "not reconciled yet"
    if found is None or SECRET_KEY not in (found.get("data") or {}):
        where = f"Secret {secret_namespace}/{secret}" + ("" if found is None else f" has no key {SECRET_KEY!r}")
        if phase != "Ready":
            raise Refusal(f"{where} is not there yet: the tenant is {phase} (wait: vcluster-platform status "
                          f"{name} -n {namespace} --watch)", EXIT_ERROR)
        raise Refusal(f"{where} is missing although the tenant is Ready: its ExternalSecret has not synced (see "
                      f"vcluster-platform status {name} -n {namespace} --diagnose)", EXIT_ERROR)
    text = base64.b64decode(found["data"][SECRET_KEY]).decode()
    tenant = str((status.get("vcluster") or {}).get("name") or name)
    return text, tenant


def _parsed(text: str) -> Obj:
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Refusal(f"the kubeconfig is not YAML: {exc}", EXIT_INVALID) from None
    if not isinstance(config, dict) or not config.get("clusters") or not config.get("users"):
        raise Refusal("the kubeconfig has no clusters or users", EXIT_INVALID)
    return config


def renamed(text: str, context: str) -> Obj:
    """The tenant's kubeconfig with one cluster, user and context, all named `context`."""
    config = _parsed(text)
    current = config.get("current-context")
    contexts = config.get("contexts") or []
    chosen = next((c for c in contexts if c.get("name") == current), contexts[0] if contexts else None)
    cluster_name = (chosen or {}).get("context", {}).get("cluster") or config["clusters"][0]["name"]
    user_name = (chosen or {}).get("context", {}).get("user") or config["users"][0]["name"]
    cluster = next(c for c in config["clusters"] if c.get("name") == cluster_name)
    user = next(u for u in config["users"] if u.get("name") == user_name)
    return {"apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": context, "cluster": cluster["cluster"]}],
            "users": [{"name": context, "user": user["user"]}],
            "contexts": [{"name": context, "context": {"cluster": context, "user": context}}]}


def merged(existing: Obj, tenant: Obj, context: str) -> Obj:
    """`existing` with the tenant's cluster, user and context (named `context`) replacing any of that name."""
    out = {"apiVersion": "v1", "kind": "Config", **existing}
    for key in ("clusters", "users", "contexts"):
        kept = [entry for entry in (existing.get(key) or []) if entry.get("name") != context]
        out[key] = kept + tenant[key]
    if not out.get("current-context"):
        out["current-context"] = context
    return out


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600, atomically (a reader never sees half a kubeconfig)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def user_kubeconfig() -> Path:
    first = os.environ.get("KUBECONFIG", "").split(os.pathsep)[0]
    return Path(first) if first else Path.home() / ".kube" / "config"


def deliver(text: str, tenant: str, args: argparse.Namespace) -> str:
    """Write or print the kubeconfig as asked; the line to tell the user."""
    context = args.context_name or tenant
    config = renamed(text, context)
    dumped = yaml.safe_dump(config, sort_keys=False)
    if args.output == "-":
        sys.stdout.write(dumped)
        return ""
    if args.merge:
        target = user_kubeconfig()
        existing = _parsed_or_empty(target)
        write_private(target, yaml.safe_dump(merged(existing, config, context), sort_keys=False))
        return f"merged context {context} into {target} (kubectl --context {context} get namespaces)"
    target = Path(args.output).expanduser() if args.output else Path.home() / ".kube" / f"{context}.yaml"
    write_private(target, dumped)
    return f"wrote {target} (mode 0600; KUBECONFIG={target} kubectl get namespaces)"


def _parsed_or_empty(path: Path) -> Obj:
    if not path.exists():
        return {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": []}
    loaded = yaml.safe_load(path.read_text()) or {}
    if not isinstance(loaded, dict):
        raise Refusal(f"{path} is not a kubeconfig; not touched", EXIT_INVALID)
    return loaded


def run_kubeconfig(args: argparse.Namespace) -> int:
    from platform_common.kube import JsonApi, api_client, api_error_text

    try:
        api = JsonApi(api_client(args.kubeconfig, args.cluster_context))
        text, tenant = fetch(api, args.namespace, args.name)
        told = deliver(text, tenant, args)
    except Refusal as refusal:
        print(str(refusal), file=sys.stderr)
        return refusal.code
    except Exception as exc:  # noqa: BLE001 - the API's own words, never a trace or a credential
        print(f"cannot read the cluster: {api_error_text(exc)}", file=sys.stderr)
        return EXIT_INVALID
    if told:
        print(told)
    return EXIT_OK
