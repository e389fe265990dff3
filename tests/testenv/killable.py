"""The migration controller process with test-only kill points and an execution log (never shipped: the
production controller carries no kill-plan code; this wrapper injects it from outside).

    python -m testenv.killable [controller arguments]      (PYTHONPATH: src and tests)

MIGRATION_KILL_PLAN names a file of lines `<execute|rollback> <Phase> <n>`: the process exits (137, as after
SIGKILL) right after the nth write it makes inside that phase step — a cluster create/replace/patch/delete or a
vCenter call that changes state — once per line (a fired line moves to `<file>.fired`). MIGRATION_EXECUTIONS
names a file to which every phase step that completes its phase appends `<execute|rollback> <Phase>`, in
whatever process it runs: a phase executed twice shows up twice.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from pathlib import Path
from typing import Any

KILLED_EXIT = 137
PLAN, EXECUTIONS = "MIGRATION_KILL_PLAN", "MIGRATION_EXECUTIONS"
WRITES = ("POST", "PUT", "PATCH", "DELETE")
VCENTER_WRITES = ("create_category", "create_tag", "attach_tag", "detach_tag", "delete_tag", "delete_category",
                  "ensure_folder", "delete_folder_if_empty")
_local = threading.local()
_lock = threading.Lock()


def _wrote() -> None:
    """Count one write of the phase step running in this thread; exit when the plan names this one."""
    doing = getattr(_local, "doing", None)
    plan_file = os.environ.get(PLAN)
    if doing is None or not plan_file:
        return
    with _lock:
        _local.count = getattr(_local, "count", 0) + 1
        point = f"{doing} {_local.count}"
        plan = Path(plan_file)
        lines = plan.read_text().splitlines()
        if point not in lines:
            return
        plan.write_text("".join(f"{line}\n" for line in lines if line != point))
        with Path(f"{plan_file}.fired").open("a") as fired:
            fired.write(f"{point}\n")
    os._exit(KILLED_EXIT)


def _step(kind: str, phase: Any, method: Any) -> Any:
    @functools.wraps(method)
    def run(ctx: Any) -> Any:
        _local.doing, _local.count = f"{kind} {phase.name.value}", 0
        try:
            outcome = method(ctx)
        finally:
            _local.doing = None
        log = os.environ.get(EXECUTIONS)
        if log and outcome.kind == "done":
            with _lock, Path(log).open("a") as out:
                out.write(f"{kind} {phase.name.value}\n")
        return outcome
    return run


def install() -> None:
    from kubernetes.client import ApiClient

    from vsphere_migration.phases import REGISTRY
    from vsphere_migration.vsphere.client import VSphereClient

    for phase in REGISTRY.values():
        phase.execute = _step("execute", phase, phase.execute)  # type: ignore[method-assign]
        phase.rollback = _step("rollback", phase, phase.rollback)  # type: ignore[method-assign]
    call_api = ApiClient.call_api

    def counted_call_api(self: Any, resource_path: str, method: str, *args: Any, **kwargs: Any) -> Any:
        result = call_api(self, resource_path, method, *args, **kwargs)
        if method.upper() in WRITES:
            _wrote()
        return result

    ApiClient.call_api = counted_call_api  # type: ignore[method-assign]
    for name in VCENTER_WRITES:
        original = getattr(VSphereClient, name)

        def counted(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            result = _original(self, *args, **kwargs)
            _wrote()
            return result

        setattr(VSphereClient, name, counted)


if __name__ == "__main__":
    install()
    from vsphere_migration.__main__ import main

    sys.exit(main(sys.argv[1:]))
