"""Phase 5: on the target, tag categories openshift-region/openshift-zone, a tag per region and zone, region
tags on datacenters and zone tags on compute clusters. Rollback removes only what this phase created."""

from __future__ import annotations

import json

from ..api.models import PhaseName
from ..context import MigrationContext
from ..vsphere.client import vim
from .base import Outcome, Phase, done

REGION_CATEGORY, ZONE_CATEGORY = "openshift-region", "openshift-zone"
CREATED = "tags/created"  # JSON: {"categories": [...], "tags": [...], "attachments": [[tag, type, id], ...]}


class CreateTags(Phase):
    name = PhaseName.CREATE_TAGS

    def execute(self, ctx: MigrationContext) -> Outcome:
        target = ctx.target()
        created = json.loads(ctx.status.recorded.get(CREATED, '{"categories": [], "tags": [], "attachments": []}'))
        region_category, new = target.ensure_category(REGION_CATEGORY, "Datacenter")
        created["categories"] += [region_category] if new else []
        zone_category, new = target.ensure_category(ZONE_CATEGORY, "ClusterComputeResource")
        created["categories"] += [zone_category] if new else []
        for fd in ctx.spec.failure_domains:
            for tag_name, category, path, kind in (
                (fd.region, region_category, f"/{fd.topology.datacenter}", vim.Datacenter),
                (fd.zone, zone_category, fd.topology.compute_cluster, vim.ClusterComputeResource),
            ):
                tag, new = target.ensure_tag(tag_name, category)
                created["tags"] += [tag] if new else []
                obj = target.require(path, kind, "tag target")
                if target.attach_tag(tag, obj):
                    created["attachments"].append([tag, type(obj).__name__.split(".")[-1], obj._moId])
                ctx.status.recorded[CREATED] = json.dumps(created)
        return done(f"{len(created['tags'])} tag(s) and {len(created['attachments'])} attachment(s) created on "
                    f"{ctx.spec.target_vcenter.server}")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        created = json.loads(ctx.status.recorded.get(CREATED, "{}") or "{}")
        if not created:
            return done("no tags were created")
        target = ctx.target()
        for tag, object_type, object_id in created.get("attachments", []):
            target.detach_tag(tag, object_type, object_id)
        for tag in created.get("tags", []):
            target.delete_tag(tag)
        for category in created.get("categories", []):
            target.delete_category(category)
        ctx.status.recorded.pop(CREATED, None)
        return done("removed the tags, categories and attachments this migration created")
