"""The platform engineer's offline commands: render, explain, run-examples, validate, diff, migrate check and
upgrade check work on files (and the real chart), never on a cluster."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platform_common.yamlio import dump

from ..errors import (
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    MISSING,
    InvalidRequest,
    Problem,
)
from ..yamlio import load_request_file

if TYPE_CHECKING:  # the pipeline modules load the models: imported when a command runs, with the GC off
    from ..pipeline.harness import Workflow

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
        from ..pipeline import argocd

        return argocd.configure_workflow, argocd.delete_workflow
    from ..pipeline import vcluster as orchestrator

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
    from ..pipeline.harness import Invocation, run_workflow
    from ..pipeline.runtime import KratixDirs, read_input

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
    from ..models import settings_from_document

    return settings_from_document(load_request_file(Path(path)))


def _cmd_explain(args: argparse.Namespace) -> int:
    from ..explain import differs_from_preset, explain_rows, format_table

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
    from ..validate import validate_paths

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
    from ..diff import diff_objects, format_text, to_json
    from ..manifests import objects_of

    diffs = diff_objects(objects_of(Path(args.a)), objects_of(Path(args.b)))  # bad input: main() exits 2
    if args.output == "json":
        print(json.dumps(to_json(diffs), indent=2, default=str))
    else:
        print(format_text(diffs, _colour(args.color)))
    return EXIT_ERROR if diffs else EXIT_OK


def _chart_level(running: list[Any], ours: list[Any], charts_flag: str | None) -> Any:
    """The chart-level comparison when charts are available (--charts or VCLUSTER_PLATFORM_CHARTS), else None."""
    from ..chart import ChartError, charts_dir, compare_objects, template
    from ..migrate import chart_input_of

    charts = charts_dir(charts_flag)
    if charts is None:
        return None
    try:
        old, new = chart_input_of(running), chart_input_of(ours)
        return compare_objects(template(old, charts), template(new, charts)), old.version, new.version
    except ChartError as exc:
        raise InvalidRequest([Problem("--charts", str(charts), str(exc))]) from None


def _cmd_upgrade_check(args: argparse.Namespace) -> int:
    from ..chart import ChartError, charts_dir
    from ..upgrade import check_upgrade, format_result

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
    from ..chart import format_chart
    from ..flows import flow_report, format_flows
    from ..flows.compare import policies_of
    from ..manifests import objects_of, with_promise_outputs
    from ..migrate import compare, format_findings, identity_of
    from ..migrate_plan import format_plan, migration_plan, takeover_plan

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


def add_offline_commands(sub: Any) -> None:
    _add_render_commands(sub)
    _add_check_commands(sub)
