"""The Kratix file contract: directories, strict input, atomic output, status and workflow env vars."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kratix_sdk

from ..yamlio import dump, load_request_file

ACTIONS = ("configure", "delete")
# Local runs and tests point the SDK at another tree: KRATIX_ROOT=/tmp/x uses /tmp/x/{input,output,metadata}.
ROOT_ENV = "KRATIX_ROOT"


@dataclass(frozen=True)
class KratixDirs:
    input: Path
    output: Path
    metadata: Path


def configure_sdk(env: Mapping[str, str] | None = None) -> KratixDirs:
    """Point kratix-sdk at $KRATIX_ROOT when set (else the real /kratix) and return the directories."""
    env = os.environ if env is None else env
    root = env.get(ROOT_ENV)
    if root:
        kratix_sdk.set_input_dir(Path(root) / "input")
        kratix_sdk.set_output_dir(Path(root) / "output")
        kratix_sdk.set_metadata_dir(Path(root) / "metadata")
    return KratixDirs(kratix_sdk.get_input_dir(), kratix_sdk.get_output_dir(), kratix_sdk.get_metadata_dir())


def read_input(dirs: KratixDirs) -> tuple[dict[str, Any], Any]:
    """The request as a plain mapping (duplicate keys rejected) and as a kratix-sdk Resource."""
    data = load_request_file(dirs.input / "object.yaml")
    return data, kratix_sdk.Resource(data)


def write_outputs_atomically(sdk: Any, dirs: KratixDirs, files: dict[str, bytes]) -> None:
    """Write every file into a staging directory, then move them into the output directory.

    A failure while staging leaves the output directory untouched.
    """
    dirs.output.mkdir(parents=True, exist_ok=True)
    # Stage next to the output dir when we may; in a pod with a read-only root FS that is not writable,
    # but the metadata emptyDir is.
    parent = dirs.output.parent if os.access(dirs.output.parent, os.W_OK) else dirs.metadata
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kratix-staging-", dir=parent))
    try:
        kratix_sdk.set_output_dir(staging)
        for relative, content in files.items():
            sdk.write_output(relative, content)
        for relative in files:
            target = dirs.output / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging / relative), str(target))
    finally:
        kratix_sdk.set_output_dir(dirs.output)
        shutil.rmtree(staging, ignore_errors=True)


def write_status(sdk: Any, fields: dict[str, Any]) -> None:
    status = kratix_sdk.Status()
    for key, value in fields.items():
        status.set(key, value)
    sdk.write_status(status)


def resolve_action(argv_action: str | None, sdk: Any) -> str:
    action = argv_action or sdk.workflow_action()
    if action not in ACTIONS:
        print(f"unknown workflow action {action!r}; allowed: {', '.join(ACTIONS)} "
              "(argument or KRATIX_WORKFLOW_ACTION)", file=sys.stderr)
        raise SystemExit(2)
    return action


def to_yaml_bytes(obj: Any) -> bytes:
    return dump(obj).encode("utf-8")
