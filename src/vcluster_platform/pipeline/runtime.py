"""The Kratix file contract: directories, strict input, output, status and workflow env vars.

Written to the same files, in the same format, as the Kratix Python SDK (`kratix-sdk`) writes them, without
importing it: the SDK imports the whole Kubernetes client at load, which a configure run never uses and which
was most of a pipeline's start-up. A contract test reads what we write back with the SDK itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from platform_common.yamlio import dump

from ..yamlio import load_request_file

ACTIONS = ("configure", "delete")
# Local runs and tests use another tree: KRATIX_ROOT=/tmp/x uses /tmp/x/{input,output,metadata}.
ROOT_ENV = "KRATIX_ROOT"
DEFAULT_ROOT = Path("/kratix")


@dataclass(frozen=True)
class KratixDirs:
    input: Path
    output: Path
    metadata: Path
    request_file: Path | None = None  # the CLI's own file; in a pipeline, input/object.yaml

    @property
    def request(self) -> Path:
        return self.request_file or self.input / "object.yaml"


def kratix_dirs(env: Mapping[str, str] | None = None) -> KratixDirs:
    """$KRATIX_ROOT/{input,output,metadata} when set, else Kratix's own /kratix tree."""
    env = os.environ if env is None else env
    root = Path(env.get(ROOT_ENV) or DEFAULT_ROOT)
    return KratixDirs(root / "input", root / "output", root / "metadata")


def read_input(dirs: KratixDirs) -> dict[str, Any]:
    """The request as a plain mapping (duplicate keys and oversized documents refused)."""
    return load_request_file(dirs.request)


def write_outputs(dirs: KratixDirs, files: dict[str, bytes]) -> None:
    """Every output file under /kratix/output; called only once every check has passed."""
    for relative, content in files.items():
        target = dirs.output / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def _write_metadata(dirs: KratixDirs, name: str, data: Any) -> None:
    """A file under /kratix/metadata, dumped as the SDK dumps it (yaml.safe_dump)."""
    dirs.metadata.mkdir(parents=True, exist_ok=True)
    with (dirs.metadata / name).open("w") as f:
        yaml.safe_dump(data, f)


def write_status(dirs: KratixDirs, fields: dict[str, Any]) -> None:
    """/kratix/metadata/status.yaml, as KratixSDK.write_status writes it."""
    _write_metadata(dirs, "status.yaml", fields)


def write_destination_selectors(dirs: KratixDirs, selectors: list[tuple[str, dict[str, str]]]) -> None:
    """/kratix/metadata/destination-selectors.yaml, as KratixSDK.write_destination_selectors writes it."""
    _write_metadata(dirs, "destination-selectors.yaml",
                    [{"directory": directory, "matchLabels": labels} for directory, labels in selectors])


def resolve_action(argv_action: str | None, env: Mapping[str, str] | None = None) -> str:
    action = argv_action or (os.environ if env is None else env).get("KRATIX_WORKFLOW_ACTION", "")
    if action not in ACTIONS:
        print(f"unknown workflow action {action!r}; allowed: {', '.join(ACTIONS)} "
              "(argument or KRATIX_WORKFLOW_ACTION)", file=sys.stderr)
        raise SystemExit(2)
    return action


def to_yaml_bytes(obj: Any) -> bytes:
    return dump(obj).encode("utf-8")
