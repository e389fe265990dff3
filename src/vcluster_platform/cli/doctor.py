"""`vcluster-platform doctor`: is this user's setup able to use the platform? One ✓ or ✗ per check, with the
fix for each ✗: the cluster is reachable, the CRDs the platform builds on are installed (Kratix, ours,
ArgoCD, External Secrets, cert-manager), the promises are installed and name the images this CLI expects, the
status reconciler runs and has reconciled recently, and the user may do what each command does.

exit codes: 0 every check passed; 1 some failed (each says its fix); 2 the cluster cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import EXIT_ERROR, EXIT_INVALID, EXIT_OK

CRDS = (
    ("promises.platform.kratix.io", "Kratix", "install Kratix on the platform cluster"),
    ("vclusterorchestratorv2s.platform.integratn.tech", "the vCluster promise",
     "kubectl apply -f promises/vcluster-orchestrator-v2/promise.yaml (Kratix installs its CRD)"),
    ("argocdprojects.platform.integratn.tech", "the argocd-project promise",
     "kubectl apply -f promises/argocd-project/promise.yaml"),
    ("argocdapplications.platform.integratn.tech", "the argocd-application promise",
     "kubectl apply -f promises/argocd-application/promise.yaml"),
    ("applications.argoproj.io", "ArgoCD", "install ArgoCD"),
    ("externalsecrets.external-secrets.io", "External Secrets", "install the External Secrets operator"),
    ("certificates.cert-manager.io", "cert-manager", "install cert-manager"),
)
RECONCILER = ("vcluster-status", "vcluster-status-reconciler")
STALE_AFTER = 180.0
# command → (verb, resource, group, namespace: "requests" or "" for cluster-wide)
PERMISSIONS = (
    ("status / list", "list", "vclusterorchestratorv2s", "platform.integratn.tech"),
    ("create --apply", "create", "vclusterorchestratorv2s", "platform.integratn.tech"),
    ("sync", "patch", "vclusterorchestratorv2s", "platform.integratn.tech"),
    ("delete --apply", "delete", "vclusterorchestratorv2s", "platform.integratn.tech"),
    ("sync (ArgoCD)", "patch", "applications", "argoproj.io"),
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def crd_checks(api: Any) -> list[Check]:
    out = []
    for name, what, fix in CRDS:
        found = api.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}") is not None
        out.append(Check(f"CRD {name}", found, f"{what} is installed" if found else f"{what} is missing",
                         "" if found else fix))
    return out


def promise_checks(api: Any) -> list[Check]:
    """Each promise this CLI ships is installed, and its pipelines run the image this CLI's version expects."""
    from ..generate.promises import PROMISES, promise_yaml

    out = []
    for promise in PROMISES:
        live = api.get(f"/apis/platform.kratix.io/v1alpha1/promises/{promise.name}")
        name = f"promise {promise.name}"
        if live is None:
            out.append(Check(name, False, "not installed", f"kubectl apply -f promises/{promise.name}/promise.yaml"))
            continue
        wanted, running = _images(promise_yaml(promise)), _images(live)
        ok = wanted == running
        out.append(Check(name, ok, f"pipelines run {', '.join(sorted(running)) or 'no image'}"
                         + ("" if ok else f"; this CLI expects {', '.join(sorted(wanted))}"),
                         "" if ok else f"kubectl apply -f promises/{promise.name}/promise.yaml from this version"))
    return out


def _images(promise: dict[str, Any]) -> set[str]:
    workflows = ((promise.get("spec") or {}).get("workflows") or {}).get("resource") or {}
    return {c.get("image", "") for pipelines in workflows.values() for p in pipelines or []
            for c in ((p.get("spec") or {}).get("containers") or [])}


def reconciler_check(api: Any, now: datetime) -> Check:
    from platform_common.clock import seconds_since

    namespace, name = RECONCILER
    deployment = api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}")
    if deployment is None:
        return Check("status reconciler", False, f"Deployment {namespace}/{name} is missing",
                     "kubectl apply -f deploy/vcluster-status/")
    ready = int((deployment.get("status") or {}).get("readyReplicas") or 0)
    if ready < 1:
        return Check("status reconciler", False, f"Deployment {namespace}/{name} has no ready replica",
                     f"kubectl -n {namespace} describe deployment {name}; kubectl -n {namespace} logs deploy/{name}")
    stamps = [str((r.get("status") or {}).get("lastReconciled") or "")
              for r in api.items("/apis/platform.integratn.tech/v1alpha1/vclusterorchestratorv2s")]
    recent = [s for s in stamps if s and seconds_since(s, now) <= STALE_AFTER]
    if stamps and not recent:
        return Check("status reconciler", False, "running, but no request was reconciled in the last "
                     f"{STALE_AFTER:g} s", f"kubectl -n {namespace} logs deploy/{name}")
    return Check("status reconciler", True, f"{ready} ready replica(s), reconciled recently")


def permission_checks(api: Any, namespace: str) -> list[Check]:
    out = []
    for command, verb, resource, group in PERMISSIONS:
        scope = "argocd" if group == "argoproj.io" else namespace
        review = api.create("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"verb": verb, "resource": resource, "group": group,
                                            "namespace": scope}}})
        allowed = bool((review.get("status") or {}).get("allowed"))
        rule = f"{verb} on {resource}.{group} in namespace {scope}"
        out.append(Check(f"may {command}", allowed, rule,
                         "" if allowed else f"ask a platform admin for a Role with {rule}"))
    return out


def report(checks: list[Check]) -> str:
    lines = [f"{'✓' if c.ok else '✗'} {c.name}: {c.detail}" + (f"\n    fix: {c.fix}" if c.fix else "")
             for c in checks]
    failed = sum(not c.ok for c in checks)
    lines.append(f"{len(checks) - failed} of {len(checks)} checks passed")
    return "\n".join(lines)


def run_doctor(args: argparse.Namespace) -> int:
    from platform_common.kube import JsonApi, api_client, api_error_text

    try:
        api = JsonApi(api_client(args.kubeconfig, args.context))
        version = api.get("/version") or {}
    except Exception as exc:  # noqa: BLE001 - the API's own words, not a trace
        print(f"✗ cluster: cannot be reached ({api_error_text(exc)})\n    fix: check KUBECONFIG / --kubeconfig "
              "and --context", file=sys.stderr)
        return EXIT_INVALID
    checks = [Check("cluster", True, f"reachable, Kubernetes {version.get('gitVersion', '?')}")]
    for group in (crd_checks, promise_checks):
        checks += _guarded(group.__name__, lambda g=group: g(api))
    checks += _guarded("reconciler", lambda: [reconciler_check(api, datetime.now(UTC))])
    checks += _guarded("permissions", lambda: permission_checks(api, args.namespace))
    if args.output == "json":
        print(json.dumps([asdict(c) for c in checks], indent=2, ensure_ascii=False))
    else:
        print(report(checks))
    return EXIT_OK if all(c.ok for c in checks) else EXIT_ERROR


def _guarded(what: str, run: Any) -> list[Check]:
    """A group of checks whose reads may themselves be refused: the refusal becomes a failed check."""
    from platform_common.kube import api_error_text

    try:
        found: list[Check] = run()
        return found
    except Exception as exc:  # noqa: BLE001 - reported as a check, never a trace
        return [Check(what, False, f"could not be checked: {api_error_text(exc)}",
                      "ask a platform admin for read access to what this check reads")]
