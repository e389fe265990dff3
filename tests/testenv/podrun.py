"""Run a rendered pod's containers on this machine, in the kubelet's order: each init container to success,
then the containers; the first failure stops the pod. Volumes are local directories, each mount path in a
command or an environment value is rewritten to its directory, and programs are the real binaries.

Only the addresses a pod reaches through cluster DNS are swapped (`rewrite`): the test has no cluster DNS.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Step:
    container: str
    returncode: int
    output: str


def _localise(text: str, mounts: dict[str, Path], rewrite: dict[str, str]) -> str:
    for old, new in rewrite.items():
        text = text.replace(old, new)
    for mount_path, local in sorted(mounts.items(), key=lambda item: -len(item[0])):
        text = re.sub(re.escape(mount_path) + r"(?=/|$|\b)", str(local), text)
    return text


def run_pod(pod: dict[str, Any], volumes: dict[str, Path], programs: dict[str, Path], *,
            env: dict[str, dict[str, str]] | None = None, rewrite: dict[str, str] | None = None,
            termination_log: Path | None = None) -> list[Step]:
    """The steps run, in order; the last one failed if the pod failed. `env` overrides a container's variables."""
    steps: list[Step] = []
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        mounts = {m["mountPath"]: volumes[m["name"]] for m in container.get("volumeMounts", [])}
        if termination_log is not None:
            mounts["/dev/termination-log"] = termination_log
        command = [_localise(arg, mounts, rewrite or {}) for arg in container["command"]]
        command[0] = str(programs.get(command[0], command[0]))
        variables = {e["name"]: _localise(e["value"], mounts, rewrite or {}) for e in container.get("env", [])}
        variables.update((env or {}).get(container["name"], {}))
        done = subprocess.run(command, env={"PATH": os.environ["PATH"], **variables}, capture_output=True,
                              text=True, timeout=120)
        steps.append(Step(container["name"], done.returncode, done.stdout + done.stderr))
        if done.returncode != 0:
            break
    return steps


def succeeded(steps: list[Step], pod: dict[str, Any]) -> bool:
    expected = len(pod.get("initContainers", [])) + len(pod["containers"])
    return len(steps) == expected and all(step.returncode == 0 for step in steps)
