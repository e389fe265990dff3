"""Phase 6: on the target, the VM folder for the cluster's infrastructure ID (or each failure domain's folder).
Rollback removes folders this phase created, when they are empty. Each folder is recorded before it is
created, so a run killed in between still removes it (a recorded folder that was never created is skipped)."""

from __future__ import annotations

from ..api.models import PhaseName
from ..context import MigrationContext
from .base import Outcome, Phase, done


def folder_paths(ctx: MigrationContext) -> list[str]:
    infra_id = ctx.infra_id()
    paths = {fd.topology.folder or f"/{fd.topology.datacenter}/vm/{infra_id}" for fd in ctx.spec.failure_domains}
    return sorted(paths)


class CreateFolder(Phase):
    name = PhaseName.CREATE_FOLDER

    def execute(self, ctx: MigrationContext) -> Outcome:
        created = list(ctx.status.recorded.created_folders or [])
        target = ctx.target()
        for path in folder_paths(ctx):
            if path not in created and target.find(path) is None:
                created.append(path)  # written ahead: a folder found later under this name is ours
                ctx.write_ahead("created_folders", list(created))
            target.ensure_folder(path)
        return done(f"VM folder(s) {', '.join(folder_paths(ctx))} present ({len(created)} created)")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        created = ctx.status.recorded.created_folders or []
        for path in reversed(created):
            ctx.target().delete_folder_if_empty(path)
        ctx.status.recorded.created_folders = None
        return done(f"removed {len(created)} folder(s)")
