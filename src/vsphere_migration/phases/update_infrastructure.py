"""Phase 7: add the target vCenter and its failure domains to the Infrastructure in one update.

The Infrastructure CRD's rules differ by release and feature set: some refuse a second vCenter on day 2
(unless the VSphereMultiVCenterDay2 feature gate is on); TechPreview refuses adding and removing vCenters in the
same update and wants a vCenter for every failure domain. So the target is only added here (the source goes in
Cleanup), with its failure domains, and a refusal fails the phase with the API server's message and the gate.
"""

from __future__ import annotations

import copy
from typing import Any

from ..api.models import PhaseName
from ..context import MigrationContext
from ..openshift.cluster import INFRASTRUCTURE, ClusterError
from ..openshift.infrastructure import restore_infrastructure
from ..openshift.readiness import GATE
from .base import Outcome, Phase, done, failed

CRD_NAME = "infrastructures.config.openshift.io"


def max_vcenters(ctx: MigrationContext) -> int | None:
    """maxItems the installed Infrastructure CRD puts on spec.platformSpec.vsphere.vcenters."""
    crd = ctx.cluster.must("read the Infrastructure CRD",
                           lambda: ctx.cluster.extensions.read_custom_resource_definition(CRD_NAME))
    schema = crd.to_dict()["spec"]["versions"][0]["schema"]["open_apiv3_schema"]
    vsphere = schema["properties"]["spec"]["properties"]["platformSpec"]["properties"]["vsphere"]
    limit = vsphere["properties"]["vcenters"].get("max_items")
    return int(limit) if limit is not None else None


def refused(ctx: MigrationContext, message: str) -> Outcome:
    return failed(f"cannot add vCenter {ctx.spec.target_vcenter.server} to the Infrastructure: {message}. "
                  f"Adding a vCenter on day 2 needs the {GATE} feature gate on releases that restrict it; "
                  "enable it (or upgrade) and retry")


def with_target(ctx: MigrationContext, infra: dict[str, Any]) -> dict[str, Any]:
    updated = copy.deepcopy(infra)
    vsphere = updated["spec"].setdefault("platformSpec", {}).setdefault("vsphere", {})
    t = ctx.spec.target_vcenter
    vcenters = [v for v in vsphere.get("vcenters") or [] if v.get("server") != t.server]
    vsphere["vcenters"] = [*vcenters, {"server": t.server, "port": t.port, "datacenters": list(t.datacenters)}]
    names = {fd.name for fd in ctx.spec.failure_domains}
    domains = [d for d in vsphere.get("failureDomains") or [] if d.get("name") not in names]
    for fd in ctx.spec.failure_domains:
        topology = {"datacenter": fd.topology.datacenter, "computeCluster": fd.topology.compute_cluster,
                    "datastore": fd.topology.datastore, "networks": list(fd.topology.networks),
                    "template": fd.topology.template,
                    "folder": fd.topology.folder or f"/{fd.topology.datacenter}/vm/{ctx.infra_id()}"}
        if fd.topology.resource_pool:
            topology["resourcePool"] = fd.topology.resource_pool
        domains.append({"name": fd.name, "region": fd.region, "zone": fd.zone, "server": fd.server,
                        "topology": topology})
    vsphere["failureDomains"] = domains
    return updated


class UpdateInfrastructure(Phase):
    name = PhaseName.UPDATE_INFRASTRUCTURE

    def execute(self, ctx: MigrationContext) -> Outcome:
        infra = ctx.infrastructure()
        updated = with_target(ctx, infra)
        if updated["spec"] == infra["spec"]:
            return done(f"Infrastructure already lists {ctx.spec.target_vcenter.server} and its failure domains")
        count = len(updated["spec"]["platformSpec"]["vsphere"]["vcenters"])
        limit = max_vcenters(ctx)
        if limit is not None and count > limit:
            return refused(ctx, f"the installed Infrastructure CRD allows at most {limit} vCenter(s)")
        try:  # the API server's own rules (CEL) decide; a dry run first leaves nothing half-applied
            ctx.cluster.replace_cluster_object(INFRASTRUCTURE, updated, dry_run=True)
            ctx.cluster.replace_cluster_object(INFRASTRUCTURE, updated)
        except ClusterError as exc:
            if exc.status in (400, 422):
                return refused(ctx, f"the API server refused the update: {exc.api_message}")
            raise
        return done(f"Infrastructure now lists {ctx.spec.target_vcenter.server} with "
                    f"{len(ctx.spec.failure_domains)} failure domain(s)")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        return done(restore_infrastructure(ctx.cluster, ctx.backups.load("Infrastructure", None, "cluster")))
