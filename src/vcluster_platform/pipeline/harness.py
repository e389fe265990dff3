"""Shared entry-point harness: argument parsing, exit codes and a status for every outcome."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import EXIT_BUG, EXIT_ERROR, EXIT_INVALID, InvalidRequest, RenderInvariantError, Unavailable
from .runtime import KratixDirs, kratix_dirs, resolve_action, write_status
from .status import failed_status

EXIT_CODES = """exit codes: 0 success; 2 invalid request (status Failed, message names the field); 3 a rendered object
broke the policy gate or a schema (a bug); 1 anything else. Nothing is written under the output directory
unless every object passed."""
ACTION_WORDS = ("configure", "delete")
DRY_RUN_FLAG = "--dry-run"


@dataclass(frozen=True)
class Invocation:
    action: str | None  # None: from $KRATIX_WORKFLOW_ACTION
    dry_run: bool = False


Workflow = Callable[[KratixDirs, Invocation], int]


def parse_invocation(prog: str, description: str, argv: list[str]) -> Invocation:
    """The arguments Kratix passes (an action word, perhaps --dry-run) are read directly; anything else
    (--help, a typo) goes to argparse, which prints the usage or the error. argparse costs a pipeline run
    several milliseconds of imports, so it is loaded only then."""
    words = [a for a in argv if a in ACTION_WORDS]
    flags = [a for a in argv if a == DRY_RUN_FLAG]
    if len(words) + len(flags) == len(argv) and len(words) <= 1 and len(flags) <= 1:
        return Invocation(words[0] if words else None, bool(flags))
    import argparse

    parser = argparse.ArgumentParser(prog=prog, description=description, epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", nargs="?", choices=list(ACTION_WORDS),
                        help="workflow action (default: $KRATIX_WORKFLOW_ACTION)")
    parser.add_argument(DRY_RUN_FLAG, action="store_true", help="delete: report what would be removed, remove none")
    args = parser.parse_args(argv)
    return Invocation(args.action, args.dry_run)


def run(prog: str, description: str, configure: Workflow, delete: Workflow, argv: list[str] | None) -> int:
    args = parse_invocation(prog, description, sys.argv[1:] if argv is None else argv)
    action = resolve_action(args.action)
    return run_workflow(configure if action == "configure" else delete, kratix_dirs(), args)


def run_workflow(workflow: Workflow, dirs: KratixDirs, args: Invocation) -> int:
    """Run one workflow; every failure becomes a Failed status under dirs.metadata and an exit code."""
    try:
        return workflow(dirs, args)
    except InvalidRequest as exc:
        write_status(dirs, failed_status(exc.summary(), "InvalidRequest"))
        print(exc.summary(), file=sys.stderr)
        return EXIT_INVALID
    except Unavailable as exc:
        write_status(dirs, failed_status(str(exc), "Unavailable"))
        print(str(exc), file=sys.stderr)
        return EXIT_ERROR
    except RenderInvariantError as exc:
        write_status(dirs, failed_status(str(exc), "RenderInvalid"))
        print(f"internal error (please report): {exc}", file=sys.stderr)
        return EXIT_BUG
    except Exception as exc:  # noqa: BLE001 - last resort: a status and a trace, never silence
        write_status(dirs, failed_status(f"{type(exc).__name__}: {exc}", "Error"))
        traceback.print_exc()
        return EXIT_ERROR
