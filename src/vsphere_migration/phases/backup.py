"""Phase 2: back up Infrastructure, cloud-provider-config, the ControlPlaneMachineSet, every MachineSet (with its
real replicas) and vsphere-creds. Non-secret copies go to an owned ConfigMap, credentials to an owned Secret."""

from __future__ import annotations

from typing import Any

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift.cluster import CLOUD_CONFIG, CPMS, INFRASTRUCTURE, MACHINE_API_NAMESPACE, MACHINE_SETS, VSPHERE_CREDS
from .base import Outcome, Phase, done, failed


def _as_dict(cluster: Any, obj: Any) -> dict[str, Any]:
    result: dict[str, Any] = cluster.custom.api_client.sanitize_for_serialization(obj)
    return result


class Backup(Phase):
    name = PhaseName.BACKUP

    def execute(self, ctx: MigrationContext) -> Outcome:
        cluster, store = ctx.cluster, ctx.backups
        objects: list[tuple[dict[str, Any], bool]] = [(cluster.get_cluster_object(INFRASTRUCTURE, "cluster"), False)]
        cloud_config = cluster.config_map(*CLOUD_CONFIG)
        objects.append(({**_as_dict(cluster, cloud_config), "apiVersion": "v1", "kind": "ConfigMap"}, False))
        cpms = cluster.get_namespaced(CPMS, MACHINE_API_NAMESPACE, "cluster", missing_ok=True)
        if cpms is None:
            return failed("ControlPlaneMachineSet openshift-machine-api/cluster not found; it must be backed up "
                          "before anything changes")
        objects.append((cpms, False))
        objects += [(ms, False) for ms in cluster.list_namespaced(MACHINE_SETS, MACHINE_API_NAMESPACE)]
        creds = cluster.secret(*VSPHERE_CREDS)
        objects.append(({**_as_dict(cluster, creds), "apiVersion": "v1", "kind": "Secret"}, True))
        records = {(r.kind, r.namespace, r.name): r for r in ctx.status.backups}
        for obj, secret in objects:
            record = store.save(obj, secret=secret)
            records[(record.kind, record.namespace, record.name)] = record
        ctx.status.backups = list(records.values())
        machine_sets = [f"{o['metadata']['name']}={o['spec'].get('replicas', 0)}" for o, _ in objects
                        if o.get("kind") == "MachineSet"]
        for o, _ in objects:
            if o.get("kind") == "MachineSet":
                ctx.status.recorded.machine_set_replicas.setdefault(o["metadata"]["name"], o["spec"].get("replicas", 0))
        return done(f"{len(objects)} object(s) backed up; MachineSet replicas {', '.join(machine_sets) or 'none'}")
