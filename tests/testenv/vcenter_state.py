"""What a migration changes on a vCenter, read from the simulator itself (SOAP for folders, the Automation REST
API for tags), and a way back to a target vCenter no migration has touched."""

from __future__ import annotations

import base64
import json
import ssl
import time
import urllib.request
from typing import Any
from urllib.parse import quote

from testenv.migration import with_session
from testenv.vcsim import VCenter

TAGGING = "/rest/com/vmware/cis/tagging"


class _Rest:
    """A logged-in session of the simulator's Automation REST API."""

    def __init__(self, vcenter: VCenter) -> None:
        self.base = f"https://{vcenter.host}:{vcenter.port}"
        self.context = ssl.create_default_context(cafile=str(vcenter.ca_bundle))
        login = base64.b64encode(f"{vcenter.username}:{vcenter.password}".encode()).decode()
        self.session = str(self.call("POST", "/rest/com/vmware/cis/session", auth=f"Basic {login}"))

    def call(self, method: str, path: str, body: Any = None, auth: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = auth
        else:
            headers["vmware-api-session-id"] = self.session
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, context=self.context, timeout=30) as response:
            text = response.read()
        return json.loads(text).get("value") if text else None


def _folders(si: Any) -> list[Any]:
    """Every VM folder below each datacenter's VM folder (pyvmomi objects, parents first)."""
    found: list[Any] = []

    def walk(folder: Any) -> None:
        for child in folder.childEntity:
            if child._wsdlName == "Folder":
                found.append(child)
                walk(child)

    for datacenter in si.content.rootFolder.childEntity:
        walk(datacenter.vmFolder)
    return found


def _path(folder: Any) -> str:
    parts = []
    while folder is not None and folder._wsdlName != "Datacenter":
        parts.append(folder.name)
        folder = folder.parent
    return "/" + "/".join([folder.name if folder is not None else "?", *reversed(parts)])


def vcenter_state(vcenter: VCenter) -> dict[str, Any]:
    """Tag categories (with cardinality), tags, what each tag is attached to, and the VM folders."""
    rest = _Rest(vcenter)
    categories = {cid: rest.call("GET", f"{TAGGING}/category/id:{quote(cid)}") for cid in
                  rest.call("GET", f"{TAGGING}/category") or []}
    tags = {}
    for tag_id in rest.call("GET", f"{TAGGING}/tag") or []:
        info = rest.call("GET", f"{TAGGING}/tag/id:{quote(tag_id)}")
        attached = rest.call("POST", f"{TAGGING}/tag-association/id:{quote(tag_id)}?~action=list-attached-objects",
                             {})
        category = categories.get(info["category_id"], {}).get("name", info["category_id"])
        tags[f"{category}/{info['name']}"] = sorted(f"{o['type']}:{o['id']}" for o in attached or [])
    return {
        "categories": sorted(f"{c['name']} ({c['cardinality']})" for c in categories.values()),
        "tags": dict(sorted(tags.items())),
        "vm-folders": sorted(with_session(vcenter, lambda si: [_path(f) for f in _folders(si)])),
    }


def create_category(vcenter: VCenter, name: str, cardinality: str, associable_types: list[str]) -> None:
    """A tag category made by hand (as an administrator would before the migration)."""
    _Rest(vcenter).call("POST", f"{TAGGING}/category", {"create_spec": {
        "name": name, "description": "made by hand", "cardinality": cardinality,
        "associable_types": associable_types}})


def wipe_migration_leftovers(vcenter: VCenter) -> None:
    """A target no migration has touched: no tags or categories, no VM folders (with what is in them)."""
    rest = _Rest(vcenter)
    for tag_id in rest.call("GET", f"{TAGGING}/tag") or []:
        rest.call("DELETE", f"{TAGGING}/tag/id:{quote(tag_id)}")
    for category_id in rest.call("GET", f"{TAGGING}/category") or []:
        rest.call("DELETE", f"{TAGGING}/category/id:{quote(category_id)}")
    def destroy_top_level_folders(si: Any) -> None:
        for folder in _folders(si):
            if folder.parent.parent._wsdlName == "Datacenter":  # directly below a datacenter's VM folder
                task = folder.Destroy_Task()
                while task.info.state not in ("success", "error"):
                    time.sleep(0.05)

    with_session(vcenter, destroy_top_level_folders)
