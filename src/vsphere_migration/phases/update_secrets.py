"""Phase 4: add the target vCenter's credentials to kube-system/vsphere-creds (<server>.username/.password);
rollback restores the Secret's data from the backup."""

from __future__ import annotations

import base64

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift.cluster import VSPHERE_CREDS
from .base import Outcome, Phase, done


def target_credentials_data(ctx: MigrationContext) -> dict[str, str]:
    """The two keys this phase adds to vsphere-creds: `<target>.username` and `<target>.password`."""
    user, password = ctx.target_credentials()
    server = ctx.spec.target_vcenter.server
    return {f"{server}.username": base64.b64encode(user.encode()).decode(),
            f"{server}.password": base64.b64encode(password.encode()).decode()}


def restore_credentials(ctx: MigrationContext, keep: dict[str, str] | None = None) -> None:
    """The backed-up data (keys added since are removed), plus `keep`, in one write."""
    wanted = {**ctx.backups.load("Secret", *VSPHERE_CREDS, secret=True)["data"], **(keep or {})}
    live = ctx.cluster.secret(*VSPHERE_CREDS).data or {}
    if live == wanted:
        return
    body = {"data": {**{k: None for k in live}, **wanted}}
    ctx.cluster.must("restore kube-system/vsphere-creds", lambda: ctx.cluster.core.patch_namespaced_secret(
        VSPHERE_CREDS[1], VSPHERE_CREDS[0], body))


class UpdateSecrets(Phase):
    name = PhaseName.UPDATE_SECRETS

    def execute(self, ctx: MigrationContext) -> Outcome:
        server = ctx.spec.target_vcenter.server
        data = target_credentials_data(ctx)
        current = ctx.cluster.secret(*VSPHERE_CREDS).data or {}
        if all(current.get(k) == v for k, v in data.items()):
            return done(f"kube-system/vsphere-creds already has {server} credentials")
        ctx.cluster.must("update kube-system/vsphere-creds", lambda: ctx.cluster.core.patch_namespaced_secret(
            VSPHERE_CREDS[1], VSPHERE_CREDS[0], {"data": data}))
        return done(f"added {server}.username and {server}.password to kube-system/vsphere-creds")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        restore_credentials(ctx)
        return done("kube-system/vsphere-creds restored from the backup")
