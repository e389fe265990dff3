"""The vCenter privileges the migration's phases use on the target, per inventory object, and the refusal that
names what is missing. The target user's credentials become the cluster's own (UpdateSecrets), so machine-api
cloning VMs later needs the same privileges."""

from __future__ import annotations

from typing import Any, NamedTuple

TAGGING = "InventoryService.Tagging."
# What each kind of object needs, and the phase that needs it.
VCENTER = (f"{TAGGING}CreateCategory", f"{TAGGING}CreateTag", f"{TAGGING}DeleteCategory", f"{TAGGING}DeleteTag")
DATACENTER = (f"{TAGGING}AttachTag", "Folder.Create", "Folder.Delete", "VirtualMachine.Inventory.CreateFromExisting")
CLUSTER = (f"{TAGGING}AttachTag", "Resource.AssignVMToPool")
RESOURCE_POOL = ("Resource.AssignVMToPool",)
DATASTORE = ("Datastore.AllocateSpace",)
TEMPLATE = ("VirtualMachine.Provisioning.Clone",)
NETWORK = ("Network.Assign",)


class Need(NamedTuple):
    """Privileges needed on one inventory object; `label` names it for the operator."""

    label: str
    entity: Any
    privileges: tuple[str, ...]


def missing(needs: list[Need], granted: dict[str, set[str]]) -> list[str]:
    """'<object>: <privilege>, …' for every object where a needed privilege is not granted."""
    lines = []
    for need in needs:
        lacking = [p for p in need.privileges if p not in granted.get(need.entity._moId, set())]
        if lacking:
            lines.append(f"{need.label}: {', '.join(lacking)}")
    return lines


def refusal(user: str, server: str, lacking: list[str]) -> list[str]:
    if not lacking:
        return []
    return [f"the target vCenter user {user} lacks privileges the migration needs on {server} "
            f"({'; '.join(lacking)}); grant them with a role on these objects (or propagated from a parent) and "
            "retry"]
