"""`vcluster-platform`: render, explain, validate, diff and migrate-check vCluster requests locally, and read
the live status of requests on a cluster.

Exit codes: 0 success; 1 the check found something (validate: problems, diff: differences, migrate check: a
change that would recreate or prune the control plane); 2 invalid input (request, file or arguments);
3 internal error in a renderer (please report).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platform_common.yamlio import dump

from .errors import (
    EXIT_BUG,
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    MISSING,
    InvalidRequest,
    Problem,
    RenderInvariantError,
)
from .yamlio import load_request_file

if TYPE_CHECKING:  # the pipeline modules load the models: imported when a command runs, with the GC off
    from .pipeline.harness import Workflow

MEDIA = "promises/vcluster-orchestrator-v2/examples/media-prod.yaml"
V1_MEDIA = "promises/vcluster-orchestrator-v2/migration/v1-media"
EXAMPLES = f"""examples:
  vcluster-platform render {MEDIA} --output-dir out/
  vcluster-platform explain {MEDIA} --diff-preset
  vcluster-platform validate {MEDIA} out/output
  vcluster-platform diff out/output {MEDIA}
  vcluster-platform migrate check --v1 {V1_MEDIA} --v2 {MEDIA} --plan
  vcluster-platform status vcluster-media --diagnose
"""


def workflows_for(kind: Any) -> tuple[Workflow, Workflow]:
    """(configure, delete) workflows of the pipeline that handles a request kind."""
    if kind in ("ArgoCDProject", "ArgoCDApplication"):
        from . import argocd_pipeline

        return argocd_pipeline.configure_workflow, argocd_pipeline.delete_workflow
    from .pipeline import __main__ as orchestrator

    return orchestrator.configure_workflow, orchestrator.delete_workflow


def _prepare_output_dir(output_dir: Path) -> None:
    """An empty output/ (and no stale metadata/) under a directory we can write, else a clear refusal."""
    try:
        for sub in ("output", "metadata"):
            shutil.rmtree(output_dir / sub, ignore_errors=True)
        (output_dir / "output").mkdir(parents=True, exist_ok=True)
        (output_dir / "metadata").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidRequest([Problem("--output-dir", str(output_dir),
                                           f"cannot be written: {exc.strerror}")]) from None


def render_to(request: Path, output_dir: Path, action: str = "configure") -> int:
    """Run the pipeline's own workflow for the request's kind, with output_dir laid out as a Kratix tree
    (output/, metadata/) and the user's file as the input.

    A file that cannot be read as one request is refused as the pipeline refuses it, naming the user's own
    path, with a Failed status in output_dir/metadata and nothing in output_dir/output.
    """
    from .pipeline.harness import Invocation, run_workflow
    from .pipeline.runtime import KratixDirs, read_input

    _prepare_output_dir(output_dir)
    dirs = KratixDirs(request.parent, output_dir / "output", output_dir / "metadata", request_file=request)

    def by_kind(dirs: KratixDirs, args: Invocation) -> int:
        configure, delete = workflows_for(read_input(dirs).get("kind"))
        return (configure if action == "configure" else delete)(dirs, args)

    return run_workflow(by_kind, dirs, Invocation(action))


def _cmd_render(args: argparse.Namespace) -> int:
    code = render_to(Path(args.request), Path(args.output_dir))
    if code == 0 and not args.quiet:
        print(summarize(Path(args.output_dir)))
    return code


def summarize(output_dir: Path) -> str:
    import yaml

    def read(path: Path) -> Any:  # our own output: libyaml's loader is safe and fast here
        return yaml.load(path.read_text(), Loader=yaml.CSafeLoader)  # noqa: S506

    files = sorted((output_dir / "output").rglob("*.yaml"))
    status = read(output_dir / "metadata" / "status.yaml") or {}
    lines = [f"phase: {status.get('phase')}  —  {status.get('message')}"]
    vc = status.get("vcluster") or {}
    if vc:
        lines.append(f"vCluster {vc.get('name')} in {vc.get('namespace')} (preset {vc.get('preset')}, chart "
                     f"{vc.get('chartVersion')}), endpoint {vc.get('endpoint')}")
        lines.append(f"kubeconfig secret {status.get('kubeconfigSecret')}, 1Password item "
                     f"{status.get('onePasswordItem')}, Application {status.get('application')}")
    kinds: Counter[str] = Counter()
    for path in files:
        obj = read(path)
        kinds[obj["kind"]] += 1
        meta = obj["metadata"]
        lines.append(f"  {path.relative_to(output_dir / 'output')!s:<62} {obj['kind']:<18} "
                     f"{meta.get('namespace', '-') + '/' if meta.get('namespace') else ''}{meta['name']}")
    lines.append("objects: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    return "\n".join(lines)


def _cmd_run_examples(args: argparse.Namespace) -> int:
    worst = 0
    for request in args.requests:
        target = Path(args.output_dir) / Path(request).parent.parent.name / Path(request).stem
        print(f"=== {request}")
        code = render_to(Path(request), target)
        if code == 0:
            print(summarize(target))
        worst = max(worst, code)
        print()
    print(f"rendered {len(args.requests)} example(s) into {args.output_dir}/")
    return worst


def _settings(path: str) -> Any:
    from .models import settings_from_document

    return settings_from_document(load_request_file(Path(path)))


def _cmd_explain(args: argparse.Namespace) -> int:
    from .explain import differs_from_preset, explain_rows, format_table

    try:
        settings = _settings(args.request)
    except InvalidRequest as exc:
        print(exc.summary(), file=sys.stderr)
        return EXIT_INVALID
    rows = explain_rows(settings)
    if args.diff_preset:
        rows = [r for r in rows if differs_from_preset(r)]
    if args.output == "json":
        print(json.dumps(rows, indent=2, default=str))
    elif args.output == "yaml":
        print(dump(rows), end="")
    else:
        columns = ["setting", "value", "source"] + (["presetValue"] if args.diff_preset else [])
        print(f"vCluster {settings.name} — preset {settings.preset}"
              + (" — values that differ from the preset" if args.diff_preset else ""))
        print(format_table(rows, columns) if rows else "(nothing differs from the preset)")
    return EXIT_OK


def _colour(choice: str) -> bool:
    if choice == "auto":
        return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return choice == "always"


def _cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate_paths

    checked, findings = validate_paths([Path(p) for p in args.paths])
    errors = sum(not f.warning for f in findings)
    if args.output == "json":
        print(json.dumps({"checked": checked, "errors": errors, "warnings": len(findings) - errors,
                          "problems": [f.as_dict() for f in findings]}, indent=2, default=str))
    else:
        for finding in findings:
            print(finding)
        print(f"{checked} document(s) checked: {errors} error(s), {len(findings) - errors} warning(s)")
    return EXIT_ERROR if errors else EXIT_OK


def _cmd_diff(args: argparse.Namespace) -> int:
    from .diff import diff_objects, format_text, to_json
    from .manifests import objects_of

    diffs = diff_objects(objects_of(Path(args.a)), objects_of(Path(args.b)))  # bad input: main() exits 2
    if args.output == "json":
        print(json.dumps(to_json(diffs), indent=2, default=str))
    else:
        print(format_text(diffs, _colour(args.color)))
    return EXIT_ERROR if diffs else EXIT_OK


def _chart_level(running: list[Any], ours: list[Any], charts_flag: str | None) -> Any:
    """The chart-level comparison when charts are available (--charts or VCLUSTER_PLATFORM_CHARTS), else None."""
    from .chart import ChartError, charts_dir, compare_objects, template
    from .migrate import chart_input_of

    charts = charts_dir(charts_flag)
    if charts is None:
        return None
    try:
        old, new = chart_input_of(running), chart_input_of(ours)
        return compare_objects(template(old, charts), template(new, charts)), old.version, new.version
    except ChartError as exc:
        raise InvalidRequest([Problem("--charts", str(charts), str(exc))]) from None


def _cmd_upgrade_check(args: argparse.Namespace) -> int:
    from .chart import ChartError, charts_dir
    from .upgrade import check_upgrade, format_result

    charts = charts_dir(args.charts)
    if charts is None:
        raise InvalidRequest([Problem("--charts", MISSING, "the chart sources are needed: --charts DIR or "
                                      "VCLUSTER_PLATFORM_CHARTS (DIR/vcluster/<version>/Chart.yaml)")])
    try:
        results = [check_upgrade(Path(path), args.to, charts) for path in args.requests]
    except ChartError as exc:
        raise InvalidRequest([Problem("--charts", str(charts), str(exc))]) from None
    if args.output == "json":
        print(json.dumps([r.as_dict() for r in results], indent=2, default=str))
    else:
        print("\n\n".join(format_result(r) for r in results))
    return EXIT_ERROR if any(r.blocking for r in results) else EXIT_OK


def _cmd_migrate_check(args: argparse.Namespace) -> int:
    from .chart import format_chart
    from .flows import flow_report, format_flows
    from .flows.compare import policies_of
    from .manifests import objects_of, with_promise_outputs
    from .migrate import compare, format_findings, identity_of
    from .migrate_plan import format_plan, migration_plan, takeover_plan

    running = objects_of(Path(args.v1))  # bad input raises InvalidRequest: main() exits 2
    v1 = identity_of(running)
    request = load_request_file(Path(args.v2))
    ours = with_promise_outputs(objects_of(Path(args.v2)))
    v2 = identity_of(ours)
    findings = compare(v1, v2)
    flows = flow_report(running, ours, request, args.cni)
    chart = _chart_level(running, ours, args.charts)
    blocking = any(f.blocking for f in findings) or bool(flows.blocking) or bool(chart and chart[0].blocking)
    if args.output == "json":
        print(json.dumps({"v1": vars(v1), "v2": vars(v2), "blocking": blocking,
                          "findings": [vars(f) for f in findings], "flows": flows.as_dict(),
                          "chart": chart[0].as_dict() if chart else None}, indent=2, default=str))
    else:
        if chart:
            print(format_chart(*chart))
        print(format_findings(v1, v2, findings, format_flows(flows), len(flows.blocking)))
        if chart and chart[0].blocking:
            print("FAIL: the chart objects change a field Kubernetes will not change in place (see above)")
        if args.plan:
            meta = request.get("metadata") or {}
            where = (v2, args.v2, str(meta.get("name", v2.release)), str(meta.get("namespace", "platform-requests")),
                     args.v1)
            # today's pipeline renders the same request kind (with an ArgoCDClusterRegistration beside it)
            if any(o.get("kind") == "ArgoCDClusterRegistration" for o in running):
                policies = tuple(f"{o['kind']}/{o['metadata']['name']}" for o in policies_of(running))
                print(format_plan(takeover_plan(*where, old_policies=policies)))
            else:
                print(format_plan(migration_plan(*where)))
    return EXIT_ERROR if blocking else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vcluster-platform", description=__doc__, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_render_commands(sub)
    _add_check_commands(sub)
    _add_status_command(sub)
    _add_kubeconfig_command(sub)
    _add_list_command(sub)
    _add_sync_command(sub)
    _add_delete_command(sub)
    _add_doctor_command(sub)
    _add_create_command(sub)
    completion = sub.add_parser("completion", help="shell completion for bash, zsh or fish (from this parser)",
                                epilog="examples:\n  source <(vcluster-platform completion bash)\n"
                                       "  vcluster-platform completion fish | source",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    completion.add_argument("shell", choices=["bash", "zsh", "fish"])
    completion.set_defaults(func=lambda args: _cmd_completion(args, parser))
    return parser


def _cmd_status(args: argparse.Namespace) -> int:
    from .status_cli import run_status

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
    from .status_cli import run_list

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
    from .create_cli import run_create

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
    from .doctor_cli import run_doctor

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
    from .delete_cli import run_delete

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
    from .sync_cli import run_sync

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
    from .kubeconfig_cli import run_kubeconfig

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


def _add_render_commands(sub: Any) -> None:
    """render, explain, run-examples: what a request becomes."""
    render = sub.add_parser("render", help="run the real pipeline on a request", epilog=EXAMPLES,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    render.add_argument("request")
    render.add_argument("--output-dir", required=True, help="writes DIR/output/... and DIR/metadata/status.yaml")
    render.add_argument("--quiet", action="store_true", help="no summary on stdout")
    render.set_defaults(func=_cmd_render)

    explain = sub.add_parser(
        "explain", help="effective settings and where each value came from",
        epilog=f"examples:\n  vcluster-platform explain {MEDIA}\n  vcluster-platform explain {MEDIA} --diff-preset"
               "\nexit codes: 0 explained, 2 invalid request", formatter_class=argparse.RawDescriptionHelpFormatter)
    explain.add_argument("request")
    explain.add_argument("--diff-preset", action="store_true", help="only values that differ from the preset")
    explain.add_argument("--output", choices=["table", "yaml", "json"], default="table")
    explain.set_defaults(func=_cmd_explain)

    examples = sub.add_parser(
        "run-examples", help="render several requests and summarise each",
        epilog="example:\n  vcluster-platform run-examples promises/*/examples/*.yaml --output-dir build/run\n"
               "exit code: the worst of the renders", formatter_class=argparse.RawDescriptionHelpFormatter)
    examples.add_argument("requests", nargs="+")
    examples.add_argument("--output-dir", required=True)
    examples.set_defaults(func=_cmd_run_examples)


def _add_check_commands(sub: Any) -> None:
    """validate, diff, migrate check: is it right, what changes, is the running tenant kept."""
    validate = sub.add_parser(
        "validate", help="check requests and rendered manifests; every problem with file, object and field",
        epilog=f"examples:\n  vcluster-platform validate {MEDIA}\n  vcluster-platform validate out/output/\n"
               "exit codes: 0 valid, 1 problems found, 2 bad arguments",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    validate.add_argument("paths", nargs="+", metavar="PATH", help="request files, manifest files or directories")
    validate.add_argument("--output", choices=["text", "json"], default="text",
                          help="json: every problem as {file, level, source, subject, path, value, message}")
    validate.set_defaults(func=_cmd_validate)

    diff = sub.add_parser(
        "diff", help="compare two renders object by object and field by field",
        epilog=f"A and B are request files (rendered first) or directories of rendered YAML.\nexamples:\n"
               f"  vcluster-platform diff old-render/output {MEDIA}\n"
               f"  vcluster-platform diff a.yaml b.yaml --output json\n"
               "exit codes: 0 identical, 1 differences, 2 bad input",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    diff.add_argument("a", metavar="A")
    diff.add_argument("b", metavar="B")
    diff.add_argument("--output", choices=["text", "json"], default="text")
    diff.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    diff.set_defaults(func=_cmd_diff)

    migrate = sub.add_parser("migrate", help="checks for moving a running vCluster from the v1 stack to v2")
    migrate_sub = migrate.add_subparsers(dest="migrate_command", required=True)
    check = migrate_sub.add_parser(
        "check", help="would the v2 request keep the running vCluster's identity?",
        epilog=f"examples:\n  vcluster-platform migrate check --v1 {V1_MEDIA} --v2 {MEDIA}\n"
               f"  vcluster-platform migrate check --v1 {V1_MEDIA} --v2 {MEDIA} --plan\n"
               "exit codes: 0 identity and flows kept, 1 the switch would recreate or prune the control plane or "
               "cut a flow the tenant needs, 2 bad input",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("--v1", required=True, metavar="DIR", help="what the v1 stack produced (sub-requests "
                       "and/or final objects as YAML)")
    check.add_argument("--v2", required=True, metavar="REQUEST", help="the VClusterOrchestratorV2 request")
    check.add_argument("--plan", action="store_true", help="also print the phased migration with rollback steps")
    check.add_argument("--charts", metavar="DIR", default=None,
                       help="chart sources (DIR/vcluster/<version>/): also template both sides with the real chart "
                            "and compare the objects (default: VCLUSTER_PLATFORM_CHARTS; helm from PATH or "
                            "VCLUSTER_PLATFORM_HELM)")
    check.add_argument("--cni", choices=["kubernetes", "cilium"], default=None,
                       help="the CNI whose policy semantics the flow check applies (default: cilium when the "
                            "running side renders CiliumNetworkPolicies, else kubernetes)")
    check.add_argument("--output", choices=["text", "json"], default="text")
    check.set_defaults(func=_cmd_migrate_check)

    upgrade = sub.add_parser("upgrade", help="checks for moving tenants to another vcluster chart version")
    upgrade_sub = upgrade.add_subparsers(dest="upgrade_command", required=True)
    up = upgrade_sub.add_parser(
        "check", help="per tenant: values valid for the new chart, chart objects changed, immutable fields, "
                      "control-plane restart",
        epilog=f"examples:\n  vcluster-platform upgrade check {MEDIA} --to 0.33.4 --charts ../shared/charts\n"
               "exit codes: 0 safe, 1 invalid values or an immutable field changes, 2 bad input",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    up.add_argument("requests", nargs="+", metavar="REQUEST", help="VClusterOrchestratorV2 request files")
    up.add_argument("--to", required=True, metavar="VERSION", help="the chart version to move to")
    up.add_argument("--charts", metavar="DIR", default=None,
                    help="chart sources (DIR/vcluster/<version>/); default: VCLUSTER_PLATFORM_CHARTS")
    up.add_argument("--output", choices=["text", "json"], default="text")
    up.set_defaults(func=_cmd_upgrade_check)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    collecting = gc.isenabled()
    gc.disable()  # a short command: no collector passes over what it loads (see pipeline.main)
    try:
        result: int = args.func(args)
    except InvalidRequest as exc:
        print(exc.summary(), file=sys.stderr)
        return EXIT_INVALID
    except RenderInvariantError as exc:
        print(f"internal error in a renderer, please report: {exc}", file=sys.stderr)
        return EXIT_BUG
    finally:
        if collecting:
            gc.enable()
    return result


if __name__ == "__main__":
    sys.exit(main())
