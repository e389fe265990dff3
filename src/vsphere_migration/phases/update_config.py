"""Phase 8: add the target vCenter to openshift-config/cloud-provider-config (INI or YAML format).

Rollback restores the ConfigMap's data from the backup and restarts the vSphere pods to reload it. The pods to
restart are recorded before the restore is written: a rollback killed between the restore and the restart
finds the ConfigMap already restored but the record still there, and restarts them."""

from __future__ import annotations

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift.cloudconfig import add_vcenter
from ..openshift.cluster import CLOUD_CONFIG
from .base import Outcome, Phase, done, failed
from .restart_pods import current_pods, restart_vsphere_pods

KEY = "config"


def write_config(ctx: MigrationContext, data: dict[str, str | None]) -> None:
    namespace, name = CLOUD_CONFIG
    ctx.cluster.must("update openshift-config/cloud-provider-config",
                     lambda: ctx.cluster.core.patch_namespaced_config_map(name, namespace, {"data": data}))


def with_target_config(ctx: MigrationContext, text: str) -> str:
    """The config text with the target vCenter added (ValueError when the text is neither INI nor YAML)."""
    t = ctx.spec.target_vcenter
    return add_vcenter(text, t.server, t.port, list(t.datacenters))


def restored_config(ctx: MigrationContext, *, keep_target: bool = False) -> tuple[dict[str, str], dict[str, str]]:
    """(live data, the backed-up data with the target vCenter added when keep_target)."""
    backup = ctx.backups.load("ConfigMap", *CLOUD_CONFIG)
    live = ctx.cluster.config_map(*CLOUD_CONFIG).data or {}
    wanted = dict(backup.get("data") or {})
    if keep_target and KEY in wanted:
        wanted[KEY] = with_target_config(ctx, wanted[KEY])
    return dict(live), wanted


def restore_config(ctx: MigrationContext, *, keep_target: bool = False) -> bool:
    """Restore the backed-up data (keys added since are removed), with the target vCenter added when
    keep_target, in one write; True when something changed."""
    return write_restored(ctx, *restored_config(ctx, keep_target=keep_target))


def write_restored(ctx: MigrationContext, live: dict[str, str], wanted: dict[str, str]) -> bool:
    """Make the live data `wanted` in one write (keys it lacks removed); True when something changed."""
    if live == wanted:
        return False
    removed: dict[str, str | None] = {k: None for k in live if k not in wanted}
    write_config(ctx, {**removed, **wanted})
    return True


class UpdateConfig(Phase):
    name = PhaseName.UPDATE_CONFIG

    def execute(self, ctx: MigrationContext) -> Outcome:
        data = ctx.cluster.config_map(*CLOUD_CONFIG).data or {}
        if KEY not in data:
            return failed(f"openshift-config/cloud-provider-config has no {KEY!r} key")
        t = ctx.spec.target_vcenter
        try:
            updated = with_target_config(ctx, data[KEY])
        except ValueError as exc:
            return failed(str(exc))
        if updated == data[KEY]:
            return done(f"cloud-provider-config already lists {t.server}")
        write_config(ctx, {KEY: updated})
        return done(f"added {t.server} to cloud-provider-config")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        pending = ctx.status.recorded.config_restart
        live, wanted = restored_config(ctx)
        if pending is None:
            if live == wanted:
                return done("cloud-provider-config already equals the backup")
            pending = current_pods(ctx)
            ctx.write_ahead("config_restart", pending)
        write_restored(ctx, live, wanted)
        restarted = restart_vsphere_pods(ctx, pending)
        ctx.status.recorded.config_restart = None
        return done(f"cloud-provider-config restored from the backup; {restarted} vSphere pod(s) restarted")
