"""The commands that work on a cluster, for tenant owners and platform engineers alike: status, list,
kubeconfig, create, delete, sync, doctor, backup, and shell completion. Only their parsers are built here; each
command's module loads when it runs."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import Any

RAW = argparse.RawDescriptionHelpFormatter
REQUESTS_NAMESPACE = "platform-requests"


def _lazy(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    """A handler that imports `.module` only when its command runs."""
    def run(args: argparse.Namespace) -> int:
        handler: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(f".{module}", __package__),
                                                               function)
        return handler(args)
    return run


def _cluster(command: argparse.ArgumentParser, context: str = "--context") -> None:
    command.add_argument("--kubeconfig", help="kubeconfig file (default: as kubectl)")
    command.add_argument(context, help="kubeconfig context (default: the current one)")


def _request(command: argparse.ArgumentParser, name_help: str = "the request's name") -> None:
    command.add_argument("name", help=name_help)
    command.add_argument("-n", "--namespace", default=REQUESTS_NAMESPACE,
                         help=f"namespace of the request (default: {REQUESTS_NAMESPACE})")


def _waiting(command: argparse.ArgumentParser, what: str, timeout: float) -> None:
    command.add_argument("--wait", action="store_true", help=what)
    command.add_argument("--timeout", type=float, default=timeout,
                         help=f"with --wait: give up after this many seconds (exit 1; default {timeout:g})")
    command.add_argument("--interval", type=float, default=2.0, help=argparse.SUPPRESS)


def _add_status(sub: Any) -> None:
    status = sub.add_parser(
        "status", help="is my vCluster ready? the live status of requests, from the cluster API", formatter_class=RAW,
        epilog="examples:\n  vcluster-platform status\n  vcluster-platform status vcluster-media --watch\n"
               "  vcluster-platform status vcluster-media --diagnose\n"
               "  vcluster-platform status vcluster-media --wait --timeout 900\n"
               "The cluster is the one kubectl uses (KUBECONFIG, ~/.kube/config or --kubeconfig/--context).\n"
               "exit codes: 0 shown (--diagnose: every link holds; --wait: Ready), 1 --diagnose found a broken "
               "link (--wait: Failed or timed out), 2 no such request or the cluster cannot be read")
    status.add_argument("name", nargs="?", help="request name (default: a table of all requests)")
    status.add_argument("-n", "--namespace", help="namespace of the requests (default: platform-requests for a "
                                                  "name, every namespace for the table)")
    status.add_argument("--watch", action="store_true", help="print again whenever it changes (Ctrl-C stops)")
    _waiting(status, "follow one request until it is Ready (exit 0) or Failed (exit 1), printing each change", 1800)
    status.add_argument("--output", choices=["text", "json"], default="text")
    status.add_argument("--diagnose", action="store_true",
                        help="walk request → Kratix Work → Application → pods → kubeconfig and name the first "
                             "broken link")
    _cluster(status)
    status.set_defaults(func=_lazy("status", "run_status"))


def _add_list(sub: Any) -> None:
    command = sub.add_parser(
        "list", help="every tenant: phase, ready pods, API endpoint, preset and age", formatter_class=RAW,
        epilog="examples:\n  vcluster-platform list\n  vcluster-platform list -n platform-requests -o json\n"
               "exit codes: 0 listed (also when there is none), 2 the cluster cannot be read")
    command.add_argument("-n", "--namespace", help="only this namespace's requests (default: every namespace)")
    command.add_argument("-o", "--output", choices=["table", "json", "yaml"], default="table")
    _cluster(command)
    command.set_defaults(func=_lazy("status", "run_list"))


def _add_kubeconfig(sub: Any) -> None:
    command = sub.add_parser(
        "kubeconfig", help="get a tenant's kubeconfig: a file with mode 0600, stdout, or merged into yours",
        formatter_class=RAW,
        epilog="examples:\n  vcluster-platform kubeconfig media            # ~/.kube/media.yaml\n"
               "  vcluster-platform kubeconfig media --merge    # context media in your kubeconfig\n"
               "  vcluster-platform kubeconfig media -o -       # print it\n"
               "exit codes: 0 written; 1 not there yet (the tenant is not Ready or its Secret not synced); "
               "2 no such request, access refused, or an unreadable kubeconfig")
    _request(command)
    where = command.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", help="file to write (default ~/.kube/<context>.yaml); - prints it")
    where.add_argument("--merge", action="store_true",
                       help="merge into your kubeconfig (KUBECONFIG's first file, else ~/.kube/config), replacing "
                            "an older entry of the same name")
    command.add_argument("--context", dest="context_name", help="context name to use (default: the tenant's name)")
    _cluster(command, "--cluster-context")
    command.set_defaults(func=_lazy("kubeconfig", "run_kubeconfig"))


def _add_create(sub: Any) -> None:
    command = sub.add_parser(
        "create", help="a new tenant: answer prompts (on a terminal) or give flags; validated as the pipeline does",
        formatter_class=RAW,
        epilog="examples:\n  vcluster-platform create team-a-dev                  # asks, writes ./team-a-dev.yaml\n"
               "  vcluster-platform create ci --preset dev --hostname ci.integratn.tech --file requests/ci.yaml\n"
               "  vcluster-platform create ci --set vcluster.coredns.replicas=2 --apply --wait\n"
               "exit codes: 0 written or applied (--wait: Ready), 1 Failed or --wait timed out, 2 invalid "
               "request or a name taken")
    _request(command, "the tenant's name (a DNS label of at most 38 characters)")
    for flag, meaning in (("--preset", "dev or prod"), ("--replicas", "control-plane replicas"),
                          ("--hostname", "API hostname"), ("--subnet", "subnet the API's VIP comes from"),
                          ("--isolation", "standard or strict"),
                          ("--persistence", "yes or no: a persistent volume for the control plane"),
                          ("--nfs", "yes or no: NFS egress"),
                          ("--egress", "extra egress: name=cidr:port[/protocol],..."),
                          ("--workload-repo", "workload Git repository"),
                          ("--label", "labels on the ArgoCD cluster: key=value,...")):
        command.add_argument(flag, help=meaning)
    command.add_argument("--set", action="append", metavar="PATH=VALUE",
                         help="any request field under spec, e.g. vcluster.coredns.replicas=2 (repeatable)")
    command.add_argument("--no-input", action="store_true", help="never ask, even on a terminal")
    command.add_argument("--file", help="GitOps: where to write the request (default ./<name>.yaml)")
    command.add_argument("--apply", action="store_true", help="create it on the cluster instead of a file")
    _waiting(command, "with --apply: follow it until Ready (or Failed)", 1800)
    _cluster(command)
    command.set_defaults(func=_lazy("create", "run_create"))


def _add_delete(sub: Any) -> None:
    command = sub.add_parser(
        "delete", help="delete a tenant after showing what goes with it (its volumes' data included)",
        formatter_class=RAW,
        epilog="examples:\n  vcluster-platform delete media --file requests/media.yaml   # GitOps: remove the file\n"
               "  vcluster-platform delete media --apply --yes --wait           # from the cluster, for scripts\n"
               "exit codes: 0 deleted; 1 not confirmed or --wait timed out; 2 no such request or file, refused "
               "access, or no confirmation possible (not a terminal and no --yes)")
    _request(command)
    command.add_argument("--file", help="GitOps: the request file to remove (default ./<name>.yaml)")
    command.add_argument("--apply", action="store_true", help="delete the request from the cluster instead")
    command.add_argument("--yes", action="store_true", help="do not ask (scripts)")
    _waiting(command, "with --apply: until the request is gone", 900)
    _cluster(command)
    command.set_defaults(func=_lazy("delete", "run_delete"))


def _add_sync(sub: Any) -> None:
    command = sub.add_parser(
        "sync", help="re-run a tenant's pipeline and ask ArgoCD to sync its Applications (control plane first)",
        formatter_class=RAW,
        epilog="examples:\n  vcluster-platform sync media --wait\n  vcluster-platform sync media --only argocd\n"
               "exit codes: 0 asked (--wait: done and succeeded), 1 a sync failed or --wait timed out, 2 no such "
               "request, access refused or the cluster cannot be read")
    _request(command)
    command.add_argument("--only", dest="what", choices=["pipeline", "argocd"], default="all",
                         help="only re-run the pipeline, or only sync the Applications (default: both)")
    _waiting(command, "follow each step until it is done", 900)
    _cluster(command)
    command.set_defaults(func=_lazy("sync", "run_sync"))


def _add_doctor(sub: Any) -> None:
    command = sub.add_parser(
        "doctor", help="check your setup: cluster, CRDs, promises and their images, the status reconciler, "
                       "your permissions; a fix for each ✗", formatter_class=RAW,
        epilog="exit codes: 0 every check passed, 1 some failed (each with its fix), 2 the cluster cannot be "
               "reached")
    command.add_argument("-n", "--namespace", default=REQUESTS_NAMESPACE,
                         help=f"namespace your requests live in, for the permission checks (default: "
                              f"{REQUESTS_NAMESPACE})")
    command.add_argument("-o", "--output", choices=["text", "json"], default="text")
    _cluster(command)
    command.set_defaults(func=_lazy("doctor", "run_doctor"))


def _add_backup(sub: Any) -> None:
    backup = sub.add_parser(
        "backup", help="a tenant's etcd snapshots: list them, restore one", formatter_class=RAW,
        epilog="examples:\n  vcluster-platform backup list media\n"
               "  vcluster-platform backup restore media --snapshot media-20261207T023000Z.db          # the plan\n"
               "  vcluster-platform backup restore media --snapshot media-20261207T023000Z.db --yes\n"
               "exit codes: 0 listed or restored, 1 not confirmed, a restore Job failed or timed out, 2 no such "
               "request or snapshot, no backups, or access refused")
    actions = backup.add_subparsers(dest="action", required=True, metavar="{list,restore}")
    listing = actions.add_parser("list", help="the snapshots kept, newest first, and the last success")
    _request(listing)
    listing.add_argument("-o", "--output", choices=["text", "json"], default="text")
    _cluster(listing)
    listing.set_defaults(func=_lazy("backup", "run_list"))
    restore = actions.add_parser(
        "restore", help="replace the tenant's etcd data with a snapshot (stops the control plane meanwhile)")
    _request(restore)
    restore.add_argument("--snapshot", required=True, help="a snapshot's name, as backup list shows it")
    restore.add_argument("--yes", action="store_true", help="do it (without: print the runbook, change nothing)")
    restore.add_argument("-o", "--output", choices=["text", "yaml"], default="text",
                         help="yaml: print the restore Jobs for a manual run and change nothing")
    restore.add_argument("--timeout", type=float, default=1800, help="give up waiting for the Jobs after this "
                                                                     "many seconds (exit 1; default 1800)")
    restore.add_argument("--interval", type=float, default=2.0, help=argparse.SUPPRESS)
    _cluster(restore)
    restore.set_defaults(func=_lazy("backup", "run_restore"))


def _add_completion(sub: Any, parser: argparse.ArgumentParser) -> None:
    def run(args: argparse.Namespace) -> int:
        from .completion import completion_script

        sys.stdout.write(completion_script(args.shell, parser))
        return 0

    completion = sub.add_parser("completion", help="shell completion for bash, zsh or fish (from this parser)",
                                epilog="examples:\n  source <(vcluster-platform completion bash)\n"
                                       "  vcluster-platform completion fish | source", formatter_class=RAW)
    completion.add_argument("shell", choices=["bash", "zsh", "fish"])
    completion.set_defaults(func=run)


def add_tenant_commands(sub: Any, parser: argparse.ArgumentParser) -> None:
    for add in (_add_status, _add_kubeconfig, _add_list, _add_sync, _add_delete, _add_doctor, _add_create,
                _add_backup):
        add(sub)
    _add_completion(sub, parser)
