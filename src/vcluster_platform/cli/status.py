"""`vcluster-platform status`: the live status contract of requests, read through the cluster API, and
`--diagnose`, which walks request → Kratix Work → Application → pods → kubeconfig itself and names the first
broken link (for when the contract is missing or stale)."""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from platform_common.clock import seconds_since
from platform_common.kube import JsonApi, api_client, api_error_text, object_path
from vcluster_status import contract as c
from vcluster_status.live import (
    Obj,
    Observation,
    Tenant,
    all_requests_path,
    argocd_state,
    kubeconfig_available,
    observe,
    request_path,
    tenant_of,
)

from ..errors import EXIT_ERROR, EXIT_INVALID, EXIT_OK

STALE_AFTER = 180.0  # three reconcile intervals: the reconciler is not running, or cannot write
WORK_API = "platform.kratix.io/v1alpha1"


@dataclass(frozen=True)
class Link:
    link: str
    ok: bool
    detail: str


def connect(args: argparse.Namespace) -> JsonApi:
    return JsonApi(api_client(args.kubeconfig, args.context))


def requests_of(api: JsonApi, args: argparse.Namespace) -> list[Obj]:
    if args.name:
        found = api.get(request_path(args.namespace, args.name))
        return [found] if found else []
    path = request_path(args.namespace) if args.namespace_given else all_requests_path()
    return sorted(api.items(path), key=lambda r: (r["metadata"]["namespace"], r["metadata"]["name"]))


def age_text(when: str | None, now: datetime) -> str:
    if not when:
        return "never"
    seconds = int(seconds_since(when, now))
    return f"{seconds} s ago" if seconds < 120 else f"{seconds // 60} min ago"


def block(request: Obj, now: datetime) -> str:
    """One tenant, as a person reads it."""
    meta, status = request["metadata"], request.get("status") or {}
    health, endpoints, credentials = status.get("health") or {}, status.get("endpoints") or {}, \
        status.get("credentials") or {}
    argo, pods, subs = health.get("argocd") or {}, health.get("workloads") or {}, health.get("subApps") or {}
    lines = [f"{(status.get('vcluster') or {}).get('name') or meta['name']} "
             f"({meta['namespace']}/{meta['name']})  {status.get('phase') or 'no status yet'}",
             f"  message:     {status.get('message') or '-'}",
             f"  api:         {endpoints.get('api') or '-'}",
             f"  argocd:      {endpoints.get('argocd') or '-'}"
             + (f"  [{argo.get('syncStatus')}/{argo.get('healthStatus')}]" if argo else ""),
             f"  kubeconfig:  Secret {(status.get('vcluster') or {}).get('namespace', '?')}/"
             f"{credentials.get('kubeconfigSecret') or '-'}"
             + (f", 1Password item {credentials['onePasswordItem']}" if credentials.get("onePasswordItem") else ""),
             f"  pods:        {pods.get('ready', '-')}/{pods.get('total', '-')} ready"
             + (f" (crash-looping: {', '.join(pods['crashLooping'])})" if pods.get("crashLooping") else ""),
             f"  sub-apps:    {subs.get('healthy', '-')}/{subs.get('total', '-')} healthy"
             + (f" (unhealthy: {', '.join(subs['unhealthy'])})" if subs.get("unhealthy") else ""),
             "  conditions:  " + ", ".join(f"{x['type']}={x['status']} ({x.get('reason', '')})"
                                           for x in status.get("conditions") or []),
             f"  reconciled:  {age_text(status.get('lastReconciled'), now)}"]
    if is_stale(status, now):
        lines.append("  note:        the live status is missing or stale; run with --diagnose")
    return "\n".join(lines)


def is_stale(status: Obj, now: datetime) -> bool:
    return not status.get("lastReconciled") or seconds_since(status["lastReconciled"], now) > STALE_AFTER


def table(requests: list[Obj], now: datetime) -> str:
    rows = [("NAMESPACE", "NAME", "PHASE", "PODS", "ARGOCD", "API", "RECONCILED")]
    for request in requests:
        status = request.get("status") or {}
        health = status.get("health") or {}
        pods, argo = health.get("workloads") or {}, health.get("argocd") or {}
        rows.append((request["metadata"]["namespace"], request["metadata"]["name"], status.get("phase") or "-",
                     f"{pods['ready']}/{pods['total']}" if pods else "-",
                     f"{argo['syncStatus']}/{argo['healthStatus']}" if argo else "-",
                     (status.get("endpoints") or {}).get("api") or "-",
                     age_text(status.get("lastReconciled"), now)))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def short_age(when: str | None, now: datetime) -> str:
    """An age as kubectl prints it: 45s, 12m, 5h, 3d."""
    if not when:
        return "-"
    seconds = int(seconds_since(when, now))
    for unit, size, below in (("s", 1, 120), ("m", 60, 7200), ("h", 3600, 172800)):
        if seconds < below:
            return f"{seconds // size}{unit}"
    return f"{seconds // 86400}d"


def list_rows(requests: list[Obj], now: datetime) -> list[dict[str, str]]:
    """What `list` shows per tenant, as data (`-o json|yaml` prints these)."""
    rows = []
    for request in requests:
        meta, status = request["metadata"], request.get("status") or {}
        pods = (status.get("health") or {}).get("workloads") or {}
        rows.append({"namespace": meta["namespace"], "name": meta["name"],
                     "tenant": str((status.get("vcluster") or {}).get("name") or (request.get("spec") or {}).get(
                         "name") or meta["name"]),
                     "phase": str(status.get("phase") or "Pending"),
                     "readyPods": f"{pods['ready']}/{pods['total']}" if pods else "-",
                     "api": str((status.get("endpoints") or {}).get("api") or "-"),
                     "preset": str((status.get("vcluster") or {}).get("preset") or ((request.get("spec") or {}).get(
                         "vcluster") or {}).get("preset") or "dev"),
                     "age": short_age(meta.get("creationTimestamp"), now)})
    return rows


def list_text(rows: list[dict[str, str]]) -> str:
    header = ("NAMESPACE", "NAME", "PHASE", "READY PODS", "API", "PRESET", "AGE")
    cells = [header] + [(r["namespace"], r["name"], r["phase"], r["readyPods"], r["api"], r["preset"], r["age"])
                        for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells)


def run_list(args: argparse.Namespace) -> int:
    """Every tenant the user may see (one namespace with -n), as a table, JSON or YAML."""
    args.namespace_given, args.name = args.namespace is not None, None
    try:
        rows = list_rows(requests_of(connect(args), args), datetime.now(UTC))
    except Exception as exc:  # noqa: BLE001 - the API's own words, not a trace
        print(f"cannot list {c.KIND} requests: {api_error_text(exc)}; it needs list on vclusterorchestratorv2s "
              f"({'in namespace ' + args.namespace if args.namespace_given else 'in every namespace, or use -n'})",
              file=sys.stderr)
        return EXIT_INVALID
    if args.output == "json":
        print(json.dumps(rows, indent=2))
    elif args.output == "yaml":
        import yaml

        print(yaml.safe_dump(rows, sort_keys=False), end="")
    else:
        print(list_text(rows) if rows else "no tenants")
    return EXIT_OK


def _pipeline_link(request: Obj) -> tuple[Link, Tenant | None]:
    failure = c.configure_failure(request.get("status") or {})
    if failure is not None:
        return Link("configure pipeline", False, f"the last run failed: {failure}"), None
    tenant = tenant_of(request)
    if tenant is None:
        return Link("configure pipeline", False, "no status from the configure pipeline yet: see the Kratix "
                    f"pipeline Job (kubectl get jobs -n {request['metadata']['namespace']} "
                    f"-l kratix.io/resource-name={request['metadata']['name']})"), None
    return Link("configure pipeline", True, f"rendered vCluster {tenant.vcluster} into {tenant.namespace}"), tenant


def _work_link(api: JsonApi, tenant: Tenant) -> Link:
    selector = f"kratix.io/resource-name={tenant.request_name},kratix.io/promise-name={c.PROMISE}"
    works = api.items(object_path(WORK_API, "works", tenant.request_namespace), selector)
    if not works:
        return Link("Kratix Work", False, f"no Work in {tenant.request_namespace} labelled {selector}: Kratix has "
                                          "not scheduled the pipeline's output to a destination")
    return Link("Kratix Work", True, ", ".join(sorted(w["metadata"]["name"] for w in works)))


def _application_link(tenant: Tenant, seen: Observation) -> Link:
    name = f"{tenant.application_namespace}/{tenant.application}"
    if seen.application is None:
        return Link("ArgoCD Application", False, f"Application {name} does not exist: the state repository is not "
                                                 "synced to the cluster, or the argocd-application promise failed")
    state = argocd_state(seen.application)
    ok = state["syncStatus"] == "Synced" and state["healthStatus"] == "Healthy" and \
        state["operationPhase"] not in ("Failed", "Error")
    detail = f"{name}: sync {state['syncStatus']}, health {state['healthStatus']}"
    return Link("ArgoCD Application", ok, detail + (f" ({state['message']})" if state["message"] and not ok else ""))


def _pods_link(tenant: Tenant, seen: Observation) -> Link:
    if not seen.namespace_exists:
        return Link("pods", False, f"namespace {tenant.namespace} does not exist")
    pods = seen.pods
    detail = f"{pods.ready}/{pods.total} ready in {tenant.namespace}"
    if pods.crash_looping:
        detail += f"; crash-looping: {', '.join(pods.crash_looping)} (kubectl logs -n {tenant.namespace} --previous)"
    return Link("pods", pods.total > 0 and pods.ready == pods.total, detail)


def _kubeconfig_link(tenant: Tenant, seen: Observation) -> Link:
    ok, reason, message = kubeconfig_available(seen.kubeconfig)
    where = f"Secret {tenant.namespace}/{tenant.kubeconfig_secret}"
    return Link("kubeconfig", ok, f"{where}: {message}" + ("" if ok else f" ({reason})"))


def diagnose(api: JsonApi, request: Obj) -> list[Link]:
    """The chain up to and including its first broken link; the live objects are read as the reconciler
    reads them (`observe`)."""
    link, tenant = _pipeline_link(request)
    links = [link]
    if tenant is None:
        return links
    links.append(_work_link(api, tenant))
    if not links[-1].ok:
        return links
    seen = observe(api, tenant)
    for check in (_application_link, _pods_link, _kubeconfig_link):
        links.append(check(tenant, seen))
        if not links[-1].ok:
            break
    return links


def diagnosis_text(links: list[Link]) -> str:
    lines = [f"  {'ok' if x.ok else 'BROKEN':<6}  {x.link}: {x.detail}" for x in links]
    broken = next((x for x in links if not x.ok), None)
    lines.append(f"  first broken link: {broken.link}" if broken else "  every link holds")
    return "\n".join(lines)


def render(api: JsonApi, args: argparse.Namespace, requests: list[Obj]) -> tuple[str, int]:
    """(text to print, exit code) for one look at the cluster."""
    now = datetime.now(UTC)
    if args.diagnose:
        chains = {f"{r['metadata']['namespace']}/{r['metadata']['name']}": diagnose(api, r) for r in requests}
        code = EXIT_ERROR if any(not x.ok for links in chains.values() for x in links) else EXIT_OK
        if args.output == "json":
            return json.dumps({k: {"links": [asdict(x) for x in v],
                                   "firstBroken": next((x.link for x in v if not x.ok), None)}
                               for k, v in chains.items()}, indent=2), code
        return "\n\n".join(f"{key}\n{diagnosis_text(links)}" for key, links in chains.items()), code
    if args.output == "json":
        return json.dumps([{"namespace": r["metadata"]["namespace"], "name": r["metadata"]["name"],
                            "status": r.get("status") or {}} for r in requests], indent=2), EXIT_OK
    if args.name:
        return block(requests[0], now), EXIT_OK
    return table(requests, now), EXIT_OK


def wait_for(api: JsonApi, args: argparse.Namespace) -> int:
    """Follow one request until it is Ready (0) or Failed, or the timeout passes (1); each change of phase or
    message is printed as it happens."""
    deadline = time.monotonic() + args.timeout
    shown = None
    while True:
        found = api.get(request_path(args.namespace, args.name))
        if found is None:
            print(f"no {c.KIND} {args.namespace}/{args.name}", file=sys.stderr)
            return EXIT_INVALID
        status = found.get("status") or {}
        phase, message = status.get("phase") or "Pending", status.get("message") or "waiting for the pipeline"
        if (phase, message) != shown:
            print(f"{datetime.now(UTC):%H:%M:%S}  {phase:<12} {message}", flush=True)
            shown = (phase, message)
        if phase in ("Ready", "Failed"):
            return EXIT_OK if phase == "Ready" else EXIT_ERROR
        if time.monotonic() >= deadline:
            print(f"timed out after {args.timeout:g} s: {args.namespace}/{args.name} is {phase}", file=sys.stderr)
            return EXIT_ERROR
        time.sleep(min(args.interval, max(0.0, deadline - time.monotonic())))


def run_status(args: argparse.Namespace) -> int:
    gc.enable()  # a watch can run for hours
    args.namespace_given = args.namespace is not None
    args.namespace = args.namespace or "platform-requests"
    if args.wait and not args.name:
        print("--wait follows one request: name it", file=sys.stderr)
        return EXIT_INVALID
    try:
        api = connect(args)
        if args.wait:
            return wait_for(api, args)
        previous = None
        while True:
            requests = requests_of(api, args)
            if args.name and not requests:
                print(f"no {c.KIND} {args.namespace}/{args.name}", file=sys.stderr)
                return EXIT_INVALID
            text, code = render(api, args, requests)
            if text != previous:
                print(text + ("\n" if args.watch else ""), flush=True)
                previous = text
            if not args.watch:
                return code
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the API's own words, not a trace
        print(f"cannot read the cluster: {api_error_text(exc)}", file=sys.stderr)
        return EXIT_INVALID
