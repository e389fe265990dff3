"""Phase 15: every Machine's provider spec and every Node's VM are on the target (the VM is looked up by the
Node's providerID on the target vCenter), operators are healthy; then the CVO gets its replicas back."""

from __future__ import annotations

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift.cluster import CLUSTER_OPERATORS, CVO, MACHINE_API_NAMESPACE, MACHINES
from ..openshift.machines import workspace_server
from .base import Outcome, Phase, done, failed
from .disable_cvo import recorded_cvo_replicas
from .preflight import unhealthy_operators

PROVIDER_PREFIX = "vsphere://"


class Verify(Phase):
    name = PhaseName.VERIFY

    def execute(self, ctx: MigrationContext) -> Outcome:
        target = ctx.spec.target_vcenter.server
        problems = [f"Machine {m['metadata']['name']} is on {workspace_server(m) or 'no vCenter'}"
                    for m in ctx.cluster.list_namespaced(MACHINES, MACHINE_API_NAMESPACE)
                    if workspace_server(m) != target]
        nodes = ctx.cluster.must("list nodes", lambda: ctx.cluster.core.list_node()).items
        index = ctx.target().content.searchIndex
        for node in nodes:
            provider_id = node.spec.provider_id or ""
            if not provider_id.startswith(PROVIDER_PREFIX):
                problems.append(f"Node {node.metadata.name} has no vSphere providerID")
            elif index.FindByUuid(None, provider_id[len(PROVIDER_PREFIX):], True, False) is None:
                problems.append(f"Node {node.metadata.name}: VM {provider_id} is not on {target}")
        problems += unhealthy_operators(ctx.cluster.list_cluster_objects(CLUSTER_OPERATORS))
        if problems:
            return failed("; ".join(problems))
        replicas = recorded_cvo_replicas(ctx)
        ctx.cluster.scale_deployment(*CVO, replicas)
        return done(f"{len(nodes)} node(s) on {target}; operators healthy; cluster-version-operator back to "
                    f"{replicas}")
