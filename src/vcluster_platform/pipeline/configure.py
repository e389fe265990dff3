"""Configure workflow of the vcluster-orchestrator-v2 promise: request → validated objects → output."""

from __future__ import annotations

import os
import sys
from typing import Any

from ..errors import RenderInvariantError
from ..models import EffectiveSettings, settings_from_document
from ..render import render_all
from .checks import check_render, etcd_auth_warnings, reference_warnings
from .identity import check_identity
from .runtime import KratixDirs, read_input, to_yaml_bytes, write_destination_selectors, write_outputs, write_status
from .status import configure_status

PLATFORM_DIR = "platform"
RESOURCES_DIR = "resources"
PLATFORM_REQUEST_KINDS = frozenset({"ArgoCDProject", "ArgoCDApplication"})
PLATFORM_SELECTOR_ENV = "PLATFORM_DESTINATION_LABELS"


def output_file_name(obj: dict[str, Any]) -> str:
    """`<folder>/<kind>.<namespace>.<name>.yaml` (`<kind>.<name>.yaml` when cluster-scoped): fixed by the
    object's identity, so adding or removing another object never renames this one in the state store."""
    folder = PLATFORM_DIR if obj["kind"] in PLATFORM_REQUEST_KINDS else RESOURCES_DIR
    meta = obj["metadata"]
    parts = [str(obj["kind"]).lower(), *([meta["namespace"]] if meta.get("namespace") else []), meta["name"]]
    return f"{folder}/{'.'.join(parts)}.yaml"


def output_files(objects: list[dict[str, Any]]) -> dict[str, bytes]:
    """One file per object; requests for other promises go to platform/, the rest to resources/."""
    files = {output_file_name(obj): to_yaml_bytes(obj) for obj in objects}
    if len(files) != len(objects):
        raise RenderInvariantError("two rendered objects share kind, namespace and name")
    return files


def platform_selector() -> dict[str, str]:
    raw = os.environ.get(PLATFORM_SELECTOR_ENV, "environment=platform")
    pairs = [p.split("=", 1) for p in raw.split(",") if "=" in p]
    return {k.strip(): v.strip() for k, v in pairs}


def render_request(doc: dict[str, Any]) -> tuple[EffectiveSettings, list[dict[str, Any]]]:
    """Validate, resolve, render and check; raises InvalidRequest or RenderInvariantError."""
    settings = settings_from_document(doc)
    objects = render_all(settings)
    check_render(settings, objects)
    return settings, objects


def run_configure(dirs: KratixDirs) -> None:
    """One configure run. In a Kratix run (the request is input/object.yaml) the tenant's name is checked
    against the cluster's other requests; the CLI's `render` of a file of its own stays offline."""
    doc = read_input(dirs)
    settings, objects = render_request(doc)
    if dirs.request_file is None:
        check_identity(settings, doc)
    warnings, advisories = reference_warnings(settings, objects), etcd_auth_warnings(settings)
    for warning in warnings + advisories:
        print(f"warning: {warning}", file=sys.stderr)
    write_outputs(dirs, output_files(objects))
    write_destination_selectors(dirs, [(PLATFORM_DIR, platform_selector())])
    write_status(dirs, configure_status(settings, objects, warnings, doc.get("status"), advisories))
