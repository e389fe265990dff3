"""Phase 14: remove the source vCenter everywhere: Infrastructure (vCenter and its failure domains, one
update), cloud-provider-config (its section; the INI workspace moves to the target), vsphere-creds (its keys),
and delete the old worker MachineSets; then write the installer's metadata.json for the target vCenter
(openshift/installer_metadata.py) so `openshift-install destroy cluster` still works.

Rollback returns to the state right before this phase, not to the backups: the backups predate the target's
additions, and the Machines on the target still exist until the rollbacks of RecreateCPMS and CreateWorkers
remove them — machine-api needs the target's credentials, cloud config and Infrastructure entry to delete their
VMs. So each of the three is restored from its backup with the target added back (one write each, the same
additions UpdateSecrets, UpdateInfrastructure and UpdateConfig make); their own rollbacks remove it last."""

from __future__ import annotations

import copy

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift import installer_metadata
from ..openshift.backups import clean
from ..openshift.cloudconfig import point_workspace, remove_vcenter
from ..openshift.cluster import (
    CLOUD_CONFIG,
    CLUSTER_VERSIONS,
    INFRASTRUCTURE,
    MACHINE_API_NAMESPACE,
    MACHINE_SETS,
    VSPHERE_CREDS,
)
from ..openshift.infrastructure import restore_infrastructure
from .base import Outcome, Phase, done
from .scale_old import old_set_names
from .update_config import KEY, restore_config, write_config
from .update_infrastructure import with_target
from .update_secrets import restore_credentials, target_credentials_data


def _without_source_infrastructure(ctx: MigrationContext) -> str:
    infra = ctx.infrastructure()
    source = ctx.status.source_server
    updated = copy.deepcopy(infra)
    vsphere = updated["spec"]["platformSpec"]["vsphere"]
    vsphere["vcenters"] = [v for v in vsphere.get("vcenters") or [] if v.get("server") != source]
    vsphere["failureDomains"] = [d for d in vsphere.get("failureDomains") or [] if d.get("server") != source]
    if updated["spec"] == infra["spec"]:
        return "Infrastructure no longer lists the source"
    ctx.cluster.replace_cluster_object(INFRASTRUCTURE, updated)
    return f"removed {source} from the Infrastructure"


def _without_source_config(ctx: MigrationContext) -> None:
    text = (ctx.cluster.config_map(*CLOUD_CONFIG).data or {}).get(KEY, "")
    domain = ctx.spec.failure_domains[0]
    folder = domain.topology.folder or f"/{domain.topology.datacenter}/vm/{ctx.infra_id()}"
    updated = point_workspace(remove_vcenter(text, str(ctx.status.source_server)), ctx.spec.target_vcenter.server,
                              domain.topology.datacenter, domain.topology.datastore.rsplit("/", 1)[-1], folder)
    if updated != text:
        write_config(ctx, {KEY: updated})


def _without_source_credentials(ctx: MigrationContext) -> None:
    source = ctx.status.source_server
    data = ctx.cluster.secret(*VSPHERE_CREDS).data or {}
    stale = {k: None for k in data if k.startswith(f"{source}.")}
    if stale:
        ctx.cluster.must("update kube-system/vsphere-creds", lambda: ctx.cluster.core.patch_namespaced_secret(
            VSPHERE_CREDS[1], VSPHERE_CREDS[0], {"data": stale}))


def write_installer_metadata(ctx: MigrationContext) -> str:
    """Create or update the Secret holding the installer's metadata.json for the target vCenter."""
    version = ctx.cluster.find_cluster_object(CLUSTER_VERSIONS, "version") or {}
    login = ctx.target_credentials()
    content = installer_metadata.metadata(ctx.infrastructure(), str((version.get("spec") or {}).get("clusterID", "")),
                                          ctx.spec.target_vcenter.server, login.username, login.password)
    name = installer_metadata.secret_name(ctx.name)
    body = installer_metadata.secret(name, ctx.namespace, content)
    core = ctx.cluster.core
    if ctx.cluster.secret(ctx.namespace, name, missing_ok=True) is None:
        ctx.cluster.must(f"create secret {ctx.namespace}/{name}",
                         lambda: core.create_namespaced_secret(ctx.namespace, body))
    else:
        ctx.cluster.must(f"update secret {ctx.namespace}/{name}", lambda: core.patch_namespaced_secret(
            name, ctx.namespace, {"metadata": body["metadata"], "stringData": body["stringData"]}))
    return f"installer metadata.json in Secret {ctx.namespace}/{name}"


class Cleanup(Phase):
    name = PhaseName.CLEANUP

    def execute(self, ctx: MigrationContext) -> Outcome:
        message = _without_source_infrastructure(ctx)
        _without_source_config(ctx)
        _without_source_credentials(ctx)
        for name in old_set_names(ctx):
            ctx.cluster.delete_namespaced(MACHINE_SETS, MACHINE_API_NAMESPACE, name)
        return done(f"{message}, cloud-provider-config and vsphere-creds; deleted "
                    f"{len(old_set_names(ctx))} old MachineSet(s); {write_installer_metadata(ctx)}")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        wanted = with_target(ctx, ctx.backups.load("Infrastructure", None, "cluster"))
        messages = [restore_infrastructure(ctx.cluster, wanted).replace("the backup", "the backup plus the target")]
        name = installer_metadata.secret_name(ctx.name)
        ctx.cluster.call(f"delete secret {ctx.namespace}/{name}", lambda: ctx.cluster.core.delete_namespaced_secret(
            name, ctx.namespace), missing_ok=True)  # the cluster is back on the source: its own metadata holds
        restore_config(ctx, keep_target=True)
        restore_credentials(ctx, keep=target_credentials_data(ctx))
        for name in old_set_names(ctx):
            if ctx.cluster.get_namespaced(MACHINE_SETS, MACHINE_API_NAMESPACE, name, missing_ok=True) is None:
                backup = clean(ctx.backups.load("MachineSet", MACHINE_API_NAMESPACE, name))
                body = {**backup, "spec": {**backup["spec"], "replicas": 0}}  # ScaleOld's rollback scales it up
                ctx.cluster.create_namespaced(MACHINE_SETS, body)
                messages.append(f"recreated {name}")
        return done("; ".join(messages) + "; cloud-provider-config and vsphere-creds restored with the target kept")
