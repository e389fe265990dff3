"""The commands that work on a cluster, for tenant owners and platform engineers alike: status, list,
kubeconfig, create, delete, sync, doctor, and shell completion. Each command's module loads only when it runs
(the parser is all that is built here)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _cmd_status(args: argparse.Namespace) -> int:
    from .status import run_status

    return run_status(args)


def _add_status_command(sub: Any) -> None:
    """status: the live status of requests on a cluster (its module loads only when it runs)."""
    status = sub.add_parser(
        "status", help="is my vCluster ready? the live status of requests, from the cluster API",
        epilog="examples:\n  vcluster-platform status\n  vcluster-platform status vcluster-media --watch\n"
               "  vcluster-platform status vcluster-media --diagnose\n"
               "  vcluster-platform status vcluster-media --wait --timeout 900\n"
               "The cluster is the one kubectl uses (KUBECONFIG, ~/.kube/config or --kubeconfig/--context).\n"
               "exit codes: 0 shown (--diagnose: every link holds; --wait: Ready), 1 --diagnose found a broken "
               "link (--wait: Failed or timed out), 2 no such request or the cluster cannot be read",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    status.add_argument("name", nargs="?", help="request name (default: a table of all requests)")
    status.add_argument("-n", "--namespace", help="namespace of the requests (default: platform-requests for a "
                                                  "name, every namespace for the table)")
    status.add_argument("--watch", action="store_true", help="print again whenever it changes (Ctrl-C stops)")
    status.add_argument("--wait", action="store_true",
                        help="follow one request until it is Ready (exit 0) or Failed (exit 1), printing each change")
    status.add_argument("--timeout", type=float, default=1800.0,
                        help="with --wait: give up after this many seconds (exit 1; default 1800)")
    status.add_argument("--interval", type=float, default=2.0, help=argparse.SUPPRESS)
    status.add_argument("--output", choices=["text", "json"], default="text")
    status.add_argument("--diagnose", action="store_true",
                        help="walk request → Kratix Work → Application → pods → kubeconfig and name the first "
                             "broken link")
    status.add_argument("--kubeconfig", help="kubeconfig file (default: as kubectl)")
    status.add_argument("--context", help="kubeconfig context (default: the current one)")
    status.set_defaults(func=_cmd_status)


def _cmd_completion(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .completion import completion_script

    sys.stdout.write(completion_script(args.shell, parser))
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from .status import run_list

    return run_list(args)


def _add_list_command(sub: Any) -> None:
    command = sub.add_parser(
        "list", help="every tenant: phase, ready pods, API endpoint, preset and age",
        epilog="examples:\n  vcluster-platform list\n  vcluster-platform list -n platform-requests -o json\n"
               "exit codes: 0 listed (also when there is none), 2 the cluster cannot be read",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_argument("-n", "--namespace", help="only this namespace's requests (default: every namespace)")
    command.add_argument("-o", "--output", choices=["table", "json", "yaml"], default="table")
    command.add_argument("--kubeconfig", help="kubeconfig file (default: as kubectl)")
    command.add_argument("--context", help="kubeconfig context (default: the current one)")
    command.set_defaults(func=_cmd_list)


def _cmd_create(args: argparse.Namespace) -> int:
    from .create import run_create

    return run_create(args)


def _add_create_command(sub: Any) -> None:
    command = sub.add_parser(
        "create", help="a new tenant: answer prompts (on a terminal) or give flags; validated as the pipeline does",
        epilog="examples:\n  vcluster-platform create team-a-dev                  # asks, writes ./team-a-dev.yaml\n"
               "  vcluster-platform create ci --preset dev --hostname ci.integratn.tech --file requests/ci.yaml\n"
               "  vcluster-platform create ci --set vcluster.coredns.replicas=2 --apply --wait\n"
               "exit codes: 0 written or applied (--wait: Ready), 1 Failed or --wait timed out, 2 invalid "
               "request or a name taken", formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_argument("name", help="the tenant's name (a DNS label of at most 38 characters)")
    command.add_argument("-n", "--namespace", default="platform-requests",
                         help="namespace of the request (default: platform-requests, the admins'; a tenant's "
                              "own namespace for a tenant)")
    command.add_argument("--preset", help="dev or prod")
    command.add_argument("--replicas", help="control-plane replicas")
    command.add_argument("--hostname", help="API hostname")
    command.add_argument("--subnet", help="subnet the API's VIP comes from")
    command.add_argument("--isolation", help="standard or strict")
    command.add_argument("--persistence", help="yes or no: a persistent volume for the control plane")
    command.add_argument("--nfs", help="yes or no: NFS egress")
    command.add_argument("--egress", help="extra egress: name=cidr:port[/protocol],...")
    command.add_argument("--workload-repo", help="workload Git repository")
    command.add_argument("--label", help="labels on the ArgoCD cluster: key=value,...")
    command.add_argument("--set", action="append", metavar="PATH=VALUE",
                         help="any request field under spec, e.g. vcluster.coredns.replicas=2 (repeatable)")
    command.add_argument("--no-input", action="store_true", help="never ask, even on a terminal")
    command.add_argument("--file", help="GitOps: where to write the request (default ./<name>.yaml)")
    command.add_argument("--apply", action="store_true", help="create it on the cluster instead of a file")
    command.add_argument("--wait", action="store_true", help="with --apply: follow it until Ready (or Failed)")
    command.add_argument("--timeout", type=float, default=1800.0, help="with --wait (seconds, default 1800)")
    command.add_argument("--interval", type=float, default=2.0, help=argparse.SUPPRESS)
    command.add_argument("--kubeconfig", help="kubeconfig file (default: as kubectl)")
    command.add_argument("--context", help="kubeconfig context (default: the current one)")
    command.set_defaults(func=_cmd_create)


def _cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import run_doctor

    return run_doctor(args)


def _add_doctor_command(sub: Any) -> None:
    command = sub.add_parser(
        "doctor", help="check your setup: cluster, CRDs, promises and their images, the status reconciler, "
                       "your permissions; a fix for each ✗",
        epilog="exit codes: 0 every check passed, 1 some failed (each with its fix), 2 the cluster cannot be "
               "reached", formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_argument("-n", "--namespace", default="platform-requests",
                         help="namespace your requests live in, for the permission checks (default: "
                              "platform-requests)")
    command.add_argument("-o", "--output", choices=["text", "json"], default="text")
    command.add_argument("--kubeconfig", help="kubeconfig file (default: as kubectl)")
    command.add_argument("--context", help="kubeconfig context (default: the current one)")
    command.set_defaults(func=_cmd_doctor)


def _cmd_delete(args: argparse.Namespace) -> int:
    from .delete import run_delete

    return run_delete(args)


def _add_delete_command(sub: Any) -> None:
    command = sub.add_parser(
        "delete", help="delete a tenant after showing what goes with it (its volumes' data included)",
        epilog="examples:\n  vcluster-platform delete media --file requests/media.yaml   # GitOps: remove the file\n"
               "  vcluster-platform delete media --apply --yes --wait           # from the cluster, for scripts\n"
               "exit codes: 0 deleted; 1 not confirmed or --wait timed out; 2 no such request or file, refused "
               "access, or no confirmation possible (not a terminal and no --yes)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_argument("name", help="the request's name")
    command.add_argument("-n", "--namespace", default="platform-requests",
                         help="namespace of the request (default: platform-requests)")
    command.add_argument("--file", help="GitOps: the request file to remove (default ./<name>.yaml)")
    command.add_argument("--apply", action="store_true", help="delete the request from the cluster instead")
    command.add_argument("--yes", action="store_true", help="do not ask (scripts)")
    command.add_argument("--wait", action="store_true", help="with --apply: until the request is gone")
    command.add_argument("--timeout", type=float, default=900.0, help="with --wait (seconds, default 900)")
    command.add_argument("--interval", type=float, default=2.0, help=argparse.SUPPRESS)
    command.add_argument("--kubeconfig", help="kubeconfig file (default: as kubectl)")
    command.add_argument("--context", help="kubeconfig context (default: the current one)")
    command.set_defaults(func=_cmd_delete)


def _cmd_sync(args: argparse.Namespace) -> int:
    from .sync import run_sync

    return run_sync(args)


def _add_sync_command(sub: Any) -> None:
    command = sub.add_parser(
        "sync", help="re-run a tenant's pipeline and ask ArgoCD to sync its Applications (control plane first)",
        epilog="examples:\n  vcluster-platform sync media --wait\n  vcluster-platform sync media --only argocd\n"
               "exit codes: 0 asked (--wait: done and succeeded), 1 a sync failed or --wait timed out, 2 no such "
               "request, access refused or the cluster cannot be read",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_argument("name", help="the request's name")
    command.add_argument("-n", "--namespace", default="platform-requests",
                         help="namespace of the request (default: platform-requests)")
    command.add_argument("--only", dest="what", choices=["pipeline", "argocd"], default="all",
                         help="only re-run the pipeline, or only sync the Applications (default: both)")
    command.add_argument("--wait", action="store_true", help="follow each step until it is done")
    command.add_argument("--timeout", type=float, default=900.0, help="with --wait (seconds, default 900)")
    command.add_argument("--interval", type=float, default=2.0, help=argparse.SUPPRESS)
    command.add_argument("--kubeconfig", help="kubeconfig file (default: as kubectl)")
    command.add_argument("--context", help="kubeconfig context (default: the current one)")
    command.set_defaults(func=_cmd_sync)


def _cmd_kubeconfig(args: argparse.Namespace) -> int:
    from .kubeconfig import run_kubeconfig

    return run_kubeconfig(args)


def _add_kubeconfig_command(sub: Any) -> None:
    """kubeconfig: a tenant's kubeconfig from the Secret its status names (its module loads only when it runs)."""
    command = sub.add_parser(
        "kubeconfig", help="get a tenant's kubeconfig: a file with mode 0600, stdout, or merged into yours",
        epilog="examples:\n  vcluster-platform kubeconfig media            # ~/.kube/media.yaml\n"
               "  vcluster-platform kubeconfig media --merge    # context media in your kubeconfig\n"
               "  vcluster-platform kubeconfig media -o -       # print it\n"
               "exit codes: 0 written; 1 not there yet (the tenant is not Ready or its Secret not synced); "
               "2 no such request, access refused, or an unreadable kubeconfig",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_argument("name", help="the request's name")
    command.add_argument("-n", "--namespace", default="platform-requests",
                         help="namespace of the request (default: platform-requests)")
    where = command.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", help="file to write (default ~/.kube/<context>.yaml); - prints it")
    where.add_argument("--merge", action="store_true",
                       help="merge into your kubeconfig (KUBECONFIG's first file, else ~/.kube/config), replacing "
                            "an older entry of the same name")
    command.add_argument("--context", dest="context_name", help="context name to use (default: the tenant's name)")
    command.add_argument("--kubeconfig", help="kubeconfig of the host cluster (default: as kubectl)")
    command.add_argument("--cluster-context", help="context of the host cluster (default: the current one)")
    command.set_defaults(func=_cmd_kubeconfig)


def add_tenant_commands(sub: Any, parser: argparse.ArgumentParser) -> None:
    for add in (_add_status_command, _add_kubeconfig_command, _add_list_command, _add_sync_command,
                _add_delete_command, _add_doctor_command, _add_create_command):
        add(sub)
    completion = sub.add_parser("completion", help="shell completion for bash, zsh or fish (from this parser)",
                                epilog="examples:\n  source <(vcluster-platform completion bash)\n"
                                       "  vcluster-platform completion fish | source",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    completion.add_argument("shell", choices=["bash", "zsh", "fish"])
    completion.set_defaults(func=lambda args: _cmd_completion(args, parser))
