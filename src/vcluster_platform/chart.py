"""The chart level of `migrate check` and `upgrade check`: both sides' values templated with the real vcluster
chart (`helm template`, offline, from a directory of chart sources) and the objects compared. A change to a
field Kubernetes will not change in place (a StatefulSet's selector, serviceName, volumeClaimTemplates or
podManagementPolicy; a Service's type or clusterIP; a Deployment's selector) blocks; a changed pod template is a
rolling restart of that workload.

Where helm and the charts are: `--charts DIR` / VCLUSTER_PLATFORM_CHARTS (DIR/vcluster/<version>/ holds the
chart sources, as ../shared/charts/ does) and VCLUSTER_PLATFORM_HELM (default: `helm` on PATH)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .mapping import dig

Obj = dict[str, Any]
CHARTS_ENV, HELM_ENV = "VCLUSTER_PLATFORM_CHARTS", "VCLUSTER_PLATFORM_HELM"
IMMUTABLE: dict[str, tuple[tuple[str, ...], ...]] = {
    "StatefulSet": (("spec", "selector"), ("spec", "serviceName"), ("spec", "volumeClaimTemplates"),
                    ("spec", "podManagementPolicy")),
    "Service": (("spec", "type"), ("spec", "clusterIP")),
    "Deployment": (("spec", "selector"),),
}
WORKLOADS = ("StatefulSet", "Deployment", "DaemonSet")


class ChartError(Exception):
    """helm or the chart is missing, or helm refused the values."""


@dataclass(frozen=True)
class ChartInput:
    values: dict[str, Any]
    release: str
    namespace: str
    version: str


def charts_dir(flag: str | None) -> Path | None:
    found = flag or os.environ.get(CHARTS_ENV)
    return Path(found) if found else None


def template(chart_input: ChartInput, charts: Path) -> list[Obj]:
    """`helm template` of the vcluster chart at the input's version, with its values; the objects it renders."""
    chart = charts / "vcluster" / chart_input.version
    if not (chart / "Chart.yaml").is_file():
        raise ChartError(f"no vcluster chart {chart_input.version} under {charts} (expected {chart}/Chart.yaml)")
    helm = os.environ.get(HELM_ENV) or shutil.which("helm")
    if not helm:
        raise ChartError(f"helm is not installed (set {HELM_ENV} to its path)")
    command = [helm, "template", chart_input.release, str(chart), "--namespace", chart_input.namespace,
               "--values", "-"]
    done = subprocess.run(command, input=json.dumps(chart_input.values), capture_output=True, text=True,
                          timeout=120, check=False)
    if done.returncode != 0:
        raise ChartError(f"helm template of chart {chart_input.version} failed: {done.stderr.strip()[-400:]}")
    return [d for d in yaml.safe_load_all(done.stdout) if isinstance(d, dict)]


def _key(obj: Obj) -> tuple[str, str]:
    return str(obj.get("kind")), str((obj.get("metadata") or {}).get("name"))


@dataclass
class ChartReport:
    immutable: list[str] = field(default_factory=list)  # "<kind>/<name> <field>: old → new"
    restarts: list[str] = field(default_factory=list)  # workloads whose pod template changes
    changed: list[str] = field(default_factory=list)  # "<kind>/<name>" with any other change
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        """An immutable field changes, or the control plane's StatefulSet or Service would go."""
        return bool(self.immutable) or any(r.split("/")[0] in ("StatefulSet", "Service") for r in self.removed)

    def as_dict(self) -> dict[str, Any]:
        return {"blocking": self.blocking, "immutable": self.immutable, "restarts": self.restarts,
                "changed": self.changed, "added": self.added, "removed": self.removed}


def compare_objects(old: list[Obj], new: list[Obj]) -> ChartReport:
    """What moving from the old chart objects to the new ones does."""
    before, after, report = {_key(o): o for o in old}, {_key(o): o for o in new}, ChartReport()
    report.removed = [f"{k}/{n}" for k, n in sorted(set(before) - set(after))]
    report.added = [f"{k}/{n}" for k, n in sorted(set(after) - set(before))]
    for key in sorted(set(before) & set(after)):
        a, b, name = before[key], after[key], f"{key[0]}/{key[1]}"
        for path in IMMUTABLE.get(key[0], ()):
            if dig(a, *path) != dig(b, *path):
                report.immutable.append(f"{name} {'.'.join(path)}: {dig(a, *path)!r} → {dig(b, *path)!r}")
        if key[0] in WORKLOADS and dig(a, "spec", "template") != dig(b, "spec", "template"):
            report.restarts.append(name)
        elif a != b:
            report.changed.append(name)
    return report


def format_chart(report: ChartReport, old_version: str, new_version: str) -> str:
    lines = [f"chart objects (vcluster {old_version} → {new_version}):"]
    lines += [f"IMMUTABLE {line}\n          Kubernetes refuses this change in place: the object must be deleted "
              "and recreated" for line in report.immutable]
    lines += [f"REMOVED   {name}" for name in report.removed]
    lines += [f"RESTART   {name}: its pod template changes, so its pods are replaced (a rolling restart)"
              for name in report.restarts]
    lines += [f"CHANGED   {name}" for name in report.changed] + [f"ADDED     {name}" for name in report.added]
    if len(lines) == 1:
        lines.append("every object is the same")
    return "\n".join(lines)
