"""Phase 6: on the target, the VM folder for the cluster's infrastructure ID (or each failure domain's folder),
carrying the cluster's ownership tag (openshift-<infraID>/<infraID>, from CreateTags) as the installer's folder
does, so `openshift-install destroy cluster` finds it. Only folders this phase creates are tagged; a folder
that existed before is left as it was.

Rollback detaches the tag and removes the folders this phase created, when they are empty. Each folder is
recorded before it is created, so a run killed in between still removes it (a recorded folder that was never
created is skipped)."""

from __future__ import annotations

from typing import Any

from ..api.models import PhaseName
from ..context import MigrationContext
from .base import Outcome, Phase, done, failed
from .create_tags import ownership


def folder_paths(ctx: MigrationContext) -> list[str]:
    infra_id = ctx.infra_id()
    paths = {fd.topology.folder or f"/{fd.topology.datacenter}/vm/{infra_id}" for fd in ctx.spec.failure_domains}
    return sorted(paths)


def with_parents(path: str) -> list[str]:
    """The folder and the parents ensure_folder creates with it, outermost first: /DC/vm/a/b → /DC/vm/a,
    /DC/vm/a/b (the datacenter's own /DC/vm always exists)."""
    parts = path.rstrip("/").split("/")
    return ["/".join(parts[:n]) for n in range(4, len(parts) + 1)]


def ownership_tag(ctx: MigrationContext) -> str | None:
    """The id of the cluster's ownership tag on the target, or None when it does not exist."""
    target = ctx.target()
    category = target.find_category(ownership(ctx.infra_id()).name)
    return target.find_tag(ctx.infra_id(), category) if category else None


class CreateFolder(Phase):
    name = PhaseName.CREATE_FOLDER

    def execute(self, ctx: MigrationContext) -> Outcome:
        created = list(ctx.status.recorded.created_folders or [])
        target = ctx.target()
        tag = ownership_tag(ctx)
        if tag is None:
            return failed(f"the ownership tag {ownership(ctx.infra_id()).name}/{ctx.infra_id()} is missing on "
                          f"{ctx.spec.target_vcenter.server} (CreateTags makes it)")
        for path in folder_paths(ctx):
            missing = [p for p in with_parents(path) if p not in created and target.find(p) is None]
            if missing:  # written ahead, parents first: a folder found later under one of these names is ours
                created += missing
                ctx.write_ahead("created_folders", list(created))
            folder, _ = target.ensure_folder(path)
            if path in created:
                target.attach_tag(tag, folder)
        return done(f"VM folder(s) {', '.join(folder_paths(ctx))} present ({len(created)} created, tagged "
                    f"{ownership(ctx.infra_id()).name})")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        created = ctx.status.recorded.created_folders or []
        tag = ownership_tag(ctx) if created else None
        for path in reversed(created):
            folder: Any = ctx.target().find(path)
            if folder is not None and tag is not None:
                ctx.target().detach_tag(tag, "Folder", folder._moId)
            ctx.target().delete_folder_if_empty(path)
        ctx.status.recorded.created_folders = None
        return done(f"removed {len(created)} folder(s)")
