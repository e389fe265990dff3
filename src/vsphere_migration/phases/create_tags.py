"""Phase 5: on the target, tag categories openshift-region/openshift-zone, a tag per region and zone, region
tags on datacenters and zone tags on compute clusters. Rollback removes only what this phase created.

Write-ahead: before creating a category, tag or attachment that does not exist yet, its name is persisted as
intended. A resumed run (or a rollback) after a kill between the creation and the record finds it by name and
treats it as this migration's; anything that existed before the migration is never intended, never removed.
"""

from __future__ import annotations

from typing import Any

from ..api.models import PhaseName, TagLedger
from ..context import MigrationContext
from ..vsphere.client import vim
from .base import Outcome, Phase, done

REGION_CATEGORY, ZONE_CATEGORY = "openshift-region", "openshift-zone"


class _Ledger:
    """What this phase created or is about to create (status.recorded.createdTags), persisted ahead of each
    creation."""

    def __init__(self, ctx: MigrationContext):
        self.ctx = ctx
        self.data = ctx.status.recorded.created_tags or TagLedger()
        self.intended = self.data.intended

    def intend(self, kind: str, key: Any) -> None:
        names: list[Any] = getattr(self.intended, kind)
        if key not in names:
            names.append(key)
            self.ctx.write_ahead("created_tags", self.data)

    def adopt(self, kind: str, key: Any, value: Any) -> None:
        """Record `value` as created when this migration intended `key` (created now or before a kill)."""
        created: list[Any] = getattr(self.data, kind)
        if key in getattr(self.intended, kind) and value not in created:
            created.append(value)
            self.ctx.status.recorded.created_tags = self.data


def _category(ledger: _Ledger, target: Any, name: str, associable: str) -> str:
    if name not in ledger.intended.categories and target.find_category(name) is None:
        ledger.intend("categories", name)
    category, _new = target.ensure_category(name, associable)
    ledger.adopt("categories", name, category)
    return str(category)


def _tag(ledger: _Ledger, target: Any, category_name: str, category: str, name: str) -> str:
    key = f"{category_name}/{name}"
    if key not in ledger.intended.tags and target.find_tag(name, category) is None:
        ledger.intend("tags", key)
    tag, _new = target.ensure_tag(name, category)
    ledger.adopt("tags", key, tag)
    return str(tag)


def _attach(ledger: _Ledger, target: Any, tag: str, obj: Any) -> None:
    attachment = [tag, type(obj).__name__.split(".")[-1], obj._moId]
    if attachment not in ledger.intended.attachments and tag not in target.attached_tags(obj):
        ledger.intend("attachments", attachment)
    target.attach_tag(tag, obj)
    ledger.adopt("attachments", attachment, attachment)


class CreateTags(Phase):
    name = PhaseName.CREATE_TAGS

    def execute(self, ctx: MigrationContext) -> Outcome:
        target, ledger = ctx.target(), _Ledger(ctx)
        region_category = _category(ledger, target, REGION_CATEGORY, "Datacenter")
        zone_category = _category(ledger, target, ZONE_CATEGORY, "ClusterComputeResource")
        for fd in ctx.spec.failure_domains:
            for tag_name, category_name, category, path, kind in (
                (fd.region, REGION_CATEGORY, region_category, f"/{fd.topology.datacenter}", vim.Datacenter),
                (fd.zone, ZONE_CATEGORY, zone_category, fd.topology.compute_cluster, vim.ClusterComputeResource),
            ):
                tag = _tag(ledger, target, category_name, category, tag_name)
                _attach(ledger, target, tag, target.require(path, kind, "tag target"))
        created = ledger.data
        return done(f"{len(created.tags)} tag(s) and {len(created.attachments)} attachment(s) created on "
                    f"{ctx.spec.target_vcenter.server}")

    def rollback(self, ctx: MigrationContext) -> Outcome:
        created = ctx.status.recorded.created_tags
        if created is None:
            return done("no tags were created")
        target = ctx.target()
        _resolve_intended(target, created)
        for tag, object_type, object_id in created.attachments:
            target.detach_tag(tag, object_type, object_id)
        for tag in created.tags:
            target.delete_tag(tag)
        for category in created.categories:
            target.delete_category(category)
        ctx.status.recorded.created_tags = None
        return done("removed the tags, categories and attachments this migration created")


def _resolve_intended(target: Any, created: TagLedger) -> None:
    """Intended objects a killed run created but never recorded, found by name (gone ones are skipped)."""
    intended = created.intended
    categories = {name: target.find_category(name) for name in intended.categories}
    for category_id in categories.values():
        if category_id and category_id not in created.categories:
            created.categories.append(category_id)
    for key in intended.tags:
        category_name, _, name = key.partition("/")
        category_id = categories.get(category_name) or target.find_category(category_name)
        tag_id = target.find_tag(name, category_id) if category_id else None
        if tag_id and tag_id not in created.tags:
            created.tags.append(tag_id)
    for attachment in intended.attachments:
        tag, object_type, object_id = attachment
        if attachment not in created.attachments and tag in target.attached_tag_ids(object_type, object_id):
            created.attachments.append(attachment)
