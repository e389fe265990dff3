"""Phase 5: on the target, tag categories openshift-region/openshift-zone, a tag per region and zone, region
tags on datacenters and zone tags on compute clusters, and the cluster's ownership category openshift-<infraID>
with its tag <infraID> (as the installer makes them; CreateFolder attaches it to the folders it creates). An
existing category is reused only when it takes one tag per object (SINGLE) and the kinds of object it is
attached to. Rollback removes only what this phase created.

Write-ahead: before creating a category, tag or attachment that does not exist yet, its name is persisted as
intended. A resumed run (or a rollback) after a kill between the creation and the record finds it by name and
treats it as this migration's; anything that existed before the migration is never intended, never removed.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..api.models import PhaseName, TagLedger
from ..context import MigrationContext
from ..vsphere.client import object_type, vim
from .base import Outcome, Phase, done, failed

REGION_CATEGORY, ZONE_CATEGORY = "openshift-region", "openshift-zone"


class Category(NamedTuple):
    name: str
    associable: tuple[str, ...]
    description: str


REGION = Category(REGION_CATEGORY, ("Datacenter",), "OpenShift regions")
ZONE = Category(ZONE_CATEGORY, ("ClusterComputeResource",), "OpenShift zones")


def ownership(infra_id: str) -> Category:
    """The installer's per-cluster category; its one tag, named after the infrastructure ID, marks what the
    cluster owns (openshift-install destroy cluster removes what carries it)."""
    return Category(f"openshift-{infra_id}", ("Folder", "VirtualMachine", "ResourcePool"),
                    f"OpenShift cluster {infra_id}")


def category_problems(wanted: Category, existing: dict[str, Any] | None, server: str) -> list[str]:
    """Why an existing category cannot be reused (empty when it can, or when there is none)."""
    if existing is None:
        return []
    problems = []
    if existing.get("cardinality") != "SINGLE":
        problems.append(f"tag category {wanted.name} on {server} allows {existing.get('cardinality')} tags per "
                        "object; OpenShift needs exactly one (SINGLE): delete the category (or recreate it with "
                        "single cardinality) and retry")
    types = {str(t).rsplit(":", 1)[-1] for t in existing.get("associable_types") or []}
    lacking = [t for t in wanted.associable if types and t not in types]
    if lacking:
        problems.append(f"tag category {wanted.name} on {server} cannot be attached to {', '.join(lacking)}; add "
                        "these object types to it (or delete it) and retry")
    return problems


def categories(infra_id: str) -> list[Category]:
    return [REGION, ZONE, ownership(infra_id)]


def reuse_problems(infra_id: str, existing: dict[str, dict[str, Any]], server: str,
                   skip: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Existing categories (by name) this migration would have to reuse but cannot; the categories named in
    `skip` are this migration's own."""
    return [problem for wanted in categories(infra_id) if wanted.name not in skip
            for problem in category_problems(wanted, existing.get(wanted.name), server)]


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


def _category(ledger: _Ledger, target: Any, wanted: Category, existing: dict[str, Any] | None) -> str:
    name = wanted.name
    if existing is not None:
        category = str(existing["id"])
    else:
        ledger.intend("categories", name)
        category = target.create_category(name, list(wanted.associable), wanted.description)
    ledger.adopt("categories", name, category)
    return category


class _Tags:
    """Tags by category, read once per category and kept current as this phase creates them."""

    def __init__(self, ledger: _Ledger, target: Any) -> None:
        self.ledger, self.target = ledger, target
        self.known: dict[str, dict[str, str]] = {}

    def ensure(self, category_name: str, category: str, name: str, description: str) -> str:
        tags = self.known.setdefault(category, self.target.tags_in(category))
        key = f"{category_name}/{name}"
        if name not in tags:
            self.ledger.intend("tags", key)
            tags[name] = self.target.create_tag(name, category, description)
        self.ledger.adopt("tags", key, tags[name])
        return tags[name]


def _attach(ledger: _Ledger, target: Any, tag: str, obj: Any) -> None:
    attachment = [tag, object_type(obj), obj._moId]
    if tag not in target.attached_tags(obj):
        ledger.intend("attachments", attachment)
        target.attach_tag(tag, obj, checked=True)
    ledger.adopt("attachments", attachment, attachment)


class CreateTags(Phase):
    name = PhaseName.CREATE_TAGS

    def execute(self, ctx: MigrationContext) -> Outcome:
        target, ledger = ctx.target(), _Ledger(ctx)
        existing = target.categories()
        problems = reuse_problems(ctx.infra_id(), existing, ctx.spec.target_vcenter.server, ledger.intended.categories)
        if problems:
            return failed("; ".join(problems))
        region_category, zone_category, owner_category = (_category(ledger, target, c, existing.get(c.name))
                                                          for c in categories(ctx.infra_id()))
        owner, tags = ownership(ctx.infra_id()), _Tags(ledger, target)
        tags.ensure(owner.name, owner_category, ctx.infra_id(), owner.description)
        for fd in ctx.spec.failure_domains:
            for tag_name, category_name, category, path, kind in (
                (fd.region, REGION_CATEGORY, region_category, f"/{fd.topology.datacenter}", vim.Datacenter),
                (fd.zone, ZONE_CATEGORY, zone_category, fd.topology.compute_cluster, vim.ClusterComputeResource),
            ):
                tag = tags.ensure(category_name, category, tag_name, "OpenShift failure domain")
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
        for tag, kind, object_id in created.attachments:
            target.detach_tag(tag, kind, object_id)
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
        tag, kind, object_id = attachment
        if attachment not in created.attachments and tag in target.attached_tag_ids(kind, object_id):
            created.attachments.append(attachment)
