"""Phase 1: log in to both vCenters, check every target path, operators healthy, platform vSphere, no other
migration running, and nothing on the cluster that a migration would fight or break (openshift/readiness.py):
an upgrade in progress, the day-2 vCenter feature gate off, vSphere volumes, remediation or autoscaling, more
than one source datacenter, clashing failure-domain names; and the target user's vCenter privileges on every
object the phases touch (vsphere/privileges.py). Its one write claims the cluster for this migration
(openshift/claim.py), atomically; nothing it checks is changed."""

from __future__ import annotations

from typing import Any

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift import readiness
from ..openshift.claim import claim
from ..openshift.cluster import (
    CLUSTER_AUTOSCALERS,
    CLUSTER_OPERATORS,
    CLUSTER_VERSIONS,
    CSI_DRIVERS,
    FEATURE_GATES,
    HEALTH_CHECKS,
    MACHINE_API_NAMESPACE,
    MACHINE_AUTOSCALERS,
)
from ..vsphere import privileges
from ..vsphere.client import VSphereError, vim
from . import create_tags
from .base import Outcome, Phase, done, failed


def unhealthy_operators(operators: list[dict[str, Any]]) -> list[str]:
    problems = []
    for op in operators:
        conditions = {c["type"]: c["status"] for c in (op.get("status") or {}).get("conditions") or []}
        if conditions.get("Available") != "True":
            problems.append(f"{op['metadata']['name']} is not Available")
        if conditions.get("Degraded") == "True":
            problems.append(f"{op['metadata']['name']} is Degraded")
    return problems


def target_objects(ctx: MigrationContext) -> tuple[list[str], list[privileges.Need]]:
    """Every target path of the failure domains, looked up once: what is missing, and the privileges each
    object that exists needs."""
    target = ctx.target()
    problems: list[str] = []
    needs = [privileges.Need("vCenter (root folder)", target.content.rootFolder, privileges.VCENTER)]
    for fd in ctx.spec.failure_domains:
        if fd.server != ctx.spec.target_vcenter.server:
            problems.append(f"failure domain {fd.name}: server {fd.server} is not the target vCenter "
                            f"{ctx.spec.target_vcenter.server}")
            continue
        t = fd.topology
        checks: list[tuple[str, str, type, str, tuple[str, ...]]] = [
            ("datacenter", f"/{t.datacenter}", vim.Datacenter, f"datacenter {t.datacenter}", privileges.DATACENTER),
            ("computeCluster", t.compute_cluster, vim.ClusterComputeResource, f"cluster {t.compute_cluster}",
             privileges.CLUSTER),
            ("datastore", t.datastore, vim.Datastore, f"datastore {t.datastore}", privileges.DATASTORE),
            ("template", t.template, vim.VirtualMachine, f"template {t.template}", privileges.TEMPLATE),
        ]
        if t.resource_pool:
            checks.append(("resourcePool", t.resource_pool, vim.ResourcePool, f"resource pool {t.resource_pool}",
                           privileges.RESOURCE_POOL))
        found = {}
        for what, path, kind, label, needed in checks:
            try:
                found[what] = target.require(path, kind, what)
                needs.append(privileges.Need(label, found[what], needed))
            except VSphereError as exc:
                problems.append(f"failure domain {fd.name}: {exc}")
        if "datacenter" in found:  # a missing datacenter is already reported
            networks = {n.name: n for n in found["datacenter"].network}
            problems += [f"failure domain {fd.name}: network {n!r} does not exist in datacenter {t.datacenter}"
                         for n in t.networks if n not in networks]
            needs += [privileges.Need(f"network {n}", networks[n], privileges.NETWORK) for n in t.networks
                      if n in networks]
    return problems, needs


def privilege_problems(ctx: MigrationContext, needs: list[privileges.Need]) -> list[str]:
    """The target user's privileges on every object the phases touch, from vCenter's own check."""
    target = ctx.target()
    unique = list({(n.label, n.entity._moId): n for n in needs}.values())
    granted = target.granted_privileges([n.entity for n in unique],
                                        sorted({p for n in unique for p in n.privileges}))
    return privileges.refusal(target.session_user(), ctx.spec.target_vcenter.server,
                              privileges.missing(unique, granted))


def cluster_problems(ctx: MigrationContext) -> list[str]:
    """Everything on the cluster that a migration would fight or break, each with what to do."""
    cluster, source = ctx.cluster, str(ctx.status.source_server)
    version = cluster.find_cluster_object(CLUSTER_VERSIONS, "version")
    gate = cluster.find_cluster_object(FEATURE_GATES, "cluster")
    volumes = cluster.must("list persistentvolumes", lambda: cluster.core.list_persistent_volume())
    infra_spec = ctx.infrastructure().get("spec") or {}
    infra_domains = ((infra_spec.get("platformSpec") or {}).get("vsphere") or {}).get("failureDomains") or []
    return [
        *readiness.upgrade_problems(version),
        *readiness.feature_gate_problems(gate, version),
        *readiness.volume_problems([cluster.core.api_client.sanitize_for_serialization(v) for v in volumes.items]),
        *readiness.csi_driver_problems(cluster.find_cluster_object(CSI_DRIVERS, readiness.VSPHERE_CSI_DRIVER)),
        *readiness.remediation_problems(  # a kind that is not installed has nothing to fight
            cluster.list_namespaced(HEALTH_CHECKS, MACHINE_API_NAMESPACE, missing_ok=True),
            cluster.list_cluster_objects(CLUSTER_AUTOSCALERS, missing_ok=True),
            cluster.list_namespaced(MACHINE_AUTOSCALERS, MACHINE_API_NAMESPACE, missing_ok=True)),
        *readiness.topology_problems(ctx.vcenters(), source, infra_domains,
                                     [fd.name for fd in ctx.spec.failure_domains]),
    ]


class Preflight(Phase):
    name = PhaseName.PREFLIGHT

    def execute(self, ctx: MigrationContext) -> Outcome:
        infra = ctx.infrastructure()
        platform = ((infra.get("spec") or {}).get("platformSpec") or {}).get("type")
        if platform != "VSphere":
            return failed(f"Infrastructure cluster: spec.platformSpec.type is {platform!r}, not VSphere")
        ctx.infra_id()
        vcenters = ctx.vcenters()
        target = ctx.spec.target_vcenter.server
        sources = [v["server"] for v in vcenters if v.get("server") != target]
        if not sources:
            return failed(f"Infrastructure lists no source vCenter other than the target {target}")
        if ctx.status.source_server is None:
            ctx.status.source_server = sources[0]
        ctx.status.target_server = target
        other = claim(ctx.cluster, ctx.namespace, ctx.name, ctx.uid)
        if other is not None:
            return failed(f"another migration is in progress: {other}")
        problems = unhealthy_operators(ctx.cluster.list_cluster_objects(CLUSTER_OPERATORS))
        problems += cluster_problems(ctx)
        try:
            ctx.source()
            paths, needs = target_objects(ctx)
            problems += paths or [*privilege_problems(ctx, needs), *create_tags.reuse_problems(
                ctx.infra_id(), ctx.target().categories(), target)]
        except VSphereError as exc:
            problems.append(str(exc))
        if problems:
            return failed("; ".join(problems))
        return done(f"source {ctx.status.source_server} and target {target} reachable; "
                    f"{len(ctx.spec.failure_domains)} failure domain(s) checked")
