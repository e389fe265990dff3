"""`vcluster-platform`: render, explain, validate, diff and migrate-check vCluster requests locally (offline.py),
and work with tenants on a cluster: status, list, kubeconfig, create, delete, sync, doctor (tenant.py).

The parser is built here from both; a command's implementation loads only when it runs.
"""

from __future__ import annotations

import argparse
import gc
import sys

from ..errors import EXIT_BUG, EXIT_INVALID, InvalidRequest, RenderInvariantError
from .offline import EXAMPLES, add_offline_commands, render_to
from .tenant import add_tenant_commands

__all__ = ["build_parser", "main", "render_to"]
DESCRIPTION = """Render, explain, validate, diff and migrate-check vCluster requests locally, and work with tenants on
a cluster: status, list, kubeconfig, create, delete, sync, doctor.

Exit codes: 0 success; 1 the check found something (validate: problems, diff: differences, migrate check: a
change that would recreate or prune the control plane) or a tenant command could not finish (each command's
help lists its own); 2 invalid input (request, file or arguments) or a refused access; 3 internal error in a
renderer (please report)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vcluster-platform", description=DESCRIPTION, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    add_offline_commands(sub)
    add_tenant_commands(sub, parser)
    return parser


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
