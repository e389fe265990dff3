"""Shared entry-point harness: argument parsing, exit codes and a status for every outcome."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable

from ..errors import InvalidRequest, RenderInvariantError
from .runtime import KratixDirs, kratix_dirs, resolve_action, write_status
from .status import failed_status

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_BUG = 0, 1, 2, 3
EXIT_CODES = """exit codes: 0 success; 2 invalid request (status Failed, message names the field); 3 a rendered object
broke the policy gate or a schema (a bug); 1 anything else. Nothing is written under the output directory
unless every object passed."""
Workflow = Callable[[KratixDirs, argparse.Namespace], int]


def run(prog: str, description: str, configure: Workflow, delete: Workflow, argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=description, epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", nargs="?", choices=["configure", "delete"],
                        help="workflow action (default: $KRATIX_WORKFLOW_ACTION)")
    parser.add_argument("--dry-run", action="store_true", help="delete: report what would be removed, remove none")
    args = parser.parse_args(argv)
    dirs = kratix_dirs()
    action = resolve_action(args.action)
    try:
        return (configure if action == "configure" else delete)(dirs, args)
    except InvalidRequest as exc:
        write_status(dirs, failed_status(exc.summary(), "InvalidRequest"))
        print(exc.summary(), file=sys.stderr)
        return EXIT_INVALID
    except RenderInvariantError as exc:
        write_status(dirs, failed_status(str(exc), "RenderInvalid"))
        print(f"internal error (please report): {exc}", file=sys.stderr)
        return EXIT_BUG
    except Exception as exc:  # noqa: BLE001 - last resort: a status and a trace, never silence
        write_status(dirs, failed_status(f"{type(exc).__name__}: {exc}", "Error"))
        traceback.print_exc()
        return EXIT_ERROR
