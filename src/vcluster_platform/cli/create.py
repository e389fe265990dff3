"""`vcluster-platform create NAME`: a new tenant's request, validated exactly as the pipeline validates it.

On a terminal (and without answers given as flags) it asks for each setting in turn, shows the default the
chosen preset gives, and checks each answer as it is given with the request model's own rules, asking again
when one is refused. Without a terminal it takes flags (`--preset --hostname --subnet ... --set path=value`),
for scripts. Settings only a platform admin may set (the trust model, trust.py) are marked; a tenant's
request that sets one is refused by the API server.

It writes the request file (GitOps; `--file`, default ./<name>.yaml) and refuses a name whose file exists;
`--apply` creates it on the cluster instead (refusing a name a request already has), and `--wait` follows
its live status until Ready.

exit codes: 0 written/applied (--wait: Ready); 1 Failed or --wait timed out; 2 invalid request or a name taken.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import EXIT_INVALID, EXIT_OK, InvalidRequest, Problem

API_VERSION, KIND = "platform.integratn.tech/v1alpha1", "VClusterOrchestratorV2"
Obj = dict[str, Any]


@dataclass(frozen=True)
class Question:
    """One wizard question: the request path it sets, how an answer becomes a value, and its flag."""

    path: str
    prompt: str
    flag: str
    parse: Callable[[str], Any] = str
    default: str = ""  # shown when the model's own default is not a plain value


def _bool(text: str) -> bool:
    if text.lower() in ("y", "yes", "true"):
        return True
    if text.lower() in ("n", "no", "false"):
        return False
    raise ValueError("answer yes or no")


def _egress(text: str) -> list[Obj]:
    """`name=cidr:port[/protocol]`, comma-separated."""
    rules = []
    for item in (part.strip() for part in text.split(",") if part.strip()):
        name, _, rest = item.partition("=")
        cidr, _, tail = rest.rpartition(":")
        port, _, protocol = tail.partition("/")
        if not (name and cidr and port.isdigit()):
            raise ValueError(f"{item!r}: write name=cidr:port[/protocol], e.g. postgres=10.0.3.1/32:5432")
        rules.append({"name": name, "cidr": cidr, "port": int(port), **({"protocol": protocol} if protocol else {})})
    return rules


def _labels(text: str) -> dict[str, str]:
    pairs = [part.strip().partition("=") for part in text.split(",") if part.strip()]
    if any(not sep for _, sep, _ in pairs):
        raise ValueError("write key=value pairs separated by commas")
    return {key: value for key, _, value in pairs}


QUESTIONS = (
    Question("vcluster.preset", "sizing preset (dev or prod)", "--preset"),
    Question("vcluster.replicas", "control-plane replicas", "--replicas", int),
    Question("exposure.hostname", "API hostname", "--hostname", default="<name>.<base domain>"),
    Question("exposure.subnet", "subnet the API's VIP comes from (empty: a pool address)", "--subnet"),
    Question("vcluster.isolationMode", "isolation (standard or strict)", "--isolation"),
    Question("vcluster.persistence.enabled", "persistent volume for the control plane (yes/no)", "--persistence",
             _bool),
    Question("networkPolicies.enableNFS", "NFS egress (yes/no)", "--nfs", _bool),
    Question("networkPolicies.extraEgress", "extra egress, name=cidr:port[/protocol],...", "--egress", _egress),
    Question("integrations.argocd.workloadRepo.url", "workload Git repository (empty: none)", "--workload-repo"),
    Question("integrations.argocd.clusterLabels", "labels on the ArgoCD cluster, key=value,...", "--label", _labels),
)


def set_path(spec: Obj, path: str, value: Any) -> None:
    node = spec
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def request_doc(name: str, namespace: str, spec: Obj) -> Obj:
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": name, "namespace": namespace},
            "spec": {"name": name, **spec}}


def problems_of(doc: Obj) -> list[Problem]:
    """What the pipeline would refuse in `doc` (empty: it renders)."""
    from ..pipeline.configure import render_request

    try:
        render_request(doc)
    except InvalidRequest as exc:
        return list(exc.problems)
    return []


def default_of(path: str, doc: Obj) -> str:
    """The value the request would get for `path` if left empty (what `explain` shows), as text."""
    from ..models import settings_from_document
    from ..models.settings_table import SETTINGS

    setting = next((s for s in SETTINGS if s.path == path), None)
    try:
        settings = settings_from_document(doc)
    except InvalidRequest:
        return ""
    if setting is None:
        return ""
    value = getattr(settings, setting.attr) if setting.attr else settings.value(path)
    if value in (None, "", [], {}):
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def admin_only(path: str) -> bool:
    from ..trust import ADMIN_ONLY

    return any(path == f.path or path.startswith(f.path + ".") for f in ADMIN_ONLY)


def ask(question: Question, doc: Obj, read: Callable[[str], str], say: Callable[[str], None]) -> None:
    """Ask until the answer is empty (the default) or the pipeline's rules accept it at this path."""
    shown = default_of(question.path, doc) or question.default
    while True:
        answer = read(f"{question.prompt}{f' [{shown}]' if shown else ''}: ").strip()
        if not answer:
            return
        try:
            value = question.parse(answer)
        except ValueError as exc:
            say(f"  {exc}")
            continue
        trial = yaml.safe_load(yaml.safe_dump(doc))
        set_path(trial["spec"], question.path, value)
        refused = [p for p in problems_of(trial) if p.path.startswith(f"spec.{question.path}")]
        if not refused:
            set_path(doc["spec"], question.path, value)
            return
        say("\n".join(f"  {p.text()}" for p in refused))


def wizard(doc: Obj, read: Callable[[str], str] = input, say: Callable[[str], None] = print) -> None:
    say(f"New tenant {doc['spec']['name']}: press Enter to keep a default (shown in brackets).")
    for question in QUESTIONS:
        if admin_only(question.path):
            say(f"  ({question.path} is reserved to platform admins)")
        ask(question, doc, read, say)


def from_flags(doc: Obj, args: argparse.Namespace) -> bool:
    """Set what the flags give; True when any was given (then nothing is asked)."""
    given = False
    for question in QUESTIONS:
        raw = getattr(args, question.flag[2:].replace("-", "_"), None)
        if raw is not None:
            set_path(doc["spec"], question.path, question.parse(raw))
            given = True
    for assignment in args.set or []:
        path, sep, raw = assignment.partition("=")
        if not sep or not path:
            raise ValueError(f"--set {assignment!r}: write path=value, e.g. vcluster.coredns.replicas=2")
        set_path(doc["spec"], path.removeprefix("spec."), yaml.safe_load(raw) if raw else "")
        given = True
    return given


def reserved_fields(doc: Obj) -> list[str]:
    """The admin-only fields `doc` sets, when it is not in an admin namespace (the API server refuses them)."""
    from ..trust import ADMIN_NAMESPACES, ADMIN_ONLY

    if doc["metadata"]["namespace"] in ADMIN_NAMESPACES:
        return []
    found = []
    for field in ADMIN_ONLY:
        node: Any = doc["spec"]
        for part in field.path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None and node not in field.tenant_values:
            found.append(f"spec.{field.path}")
    return found


def apply(doc: Obj, args: argparse.Namespace) -> str:
    """Create the request on the cluster, refusing a name another request holds."""
    from kubernetes.client.rest import ApiException

    from platform_common.kube import Conflict, JsonApi, api_client, api_error_text

    from ..pipeline.identity import identity_conflicts, identity_of

    api = JsonApi(api_client(args.kubeconfig, args.context))
    namespace, name = doc["metadata"]["namespace"], doc["metadata"]["name"]
    try:
        others = api.items(f"/apis/{API_VERSION}/vclusterorchestratorv2s")
    except ApiException:
        others = []  # may not list every namespace: the pipeline still keeps one tenant per name
    taken = identity_conflicts(identity_of(doc), {"metadata": {"creationTimestamp": "~"}}, others)
    if taken:
        raise LookupError("\n".join(p.text() for p in taken))
    try:
        api.create(f"/apis/{API_VERSION}/namespaces/{namespace}/vclusterorchestratorv2s", doc)
    except Conflict:
        raise LookupError(f"a VClusterOrchestratorV2 {namespace}/{name} already exists") from None
    except ApiException as exc:
        raise LookupError(f"the API server refused the request: {api_error_text(exc)}") from None
    return f"created {namespace}/{name}; follow it: vcluster-platform status {name} -n {namespace} --wait"


def write_file(doc: Obj, path: Path) -> str:
    if path.exists():
        raise LookupError(f"{path} exists: the name is taken (choose another, or --file)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return f"wrote {path}; commit and push it, and the platform creates the tenant"


def run_create(args: argparse.Namespace) -> int:
    doc = request_doc(args.name, args.namespace, {})
    try:
        asked = from_flags(doc, args)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    if not asked and sys.stdin.isatty() and not args.no_input:
        wizard(doc)
    problems = problems_of(doc)
    if problems:
        print("the pipeline would refuse this request:\n" + "\n".join(f"  {p.text()}" for p in problems),
              file=sys.stderr)
        return EXIT_INVALID
    for path in reserved_fields(doc):
        print(f"warning: {path} is reserved to platform admins: from namespace {args.namespace} the API server "
              "refuses it", file=sys.stderr)
    try:
        told = apply(doc, args) if args.apply else write_file(doc, Path(args.file or f"{args.name}.yaml"))
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    print(told, flush=True)
    if args.apply and args.wait:
        from platform_common.kube import JsonApi, api_client

        from .status import wait_for

        return wait_for(JsonApi(api_client(args.kubeconfig, args.context)), args)
    return EXIT_OK
