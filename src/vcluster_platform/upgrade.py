"""`upgrade check`: what moving tenants to another vcluster chart version does, per tenant: are its values
valid against the new chart's schema, which chart objects change, does an immutable field change, does the
control plane restart."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .chart import ChartReport, compare_objects, format_chart, template
from .errors import Problem
from .manifests import objects_of, with_promise_outputs
from .migrate import chart_input_of
from .models.effective import SUPPORTED_CHART_LINES, chart_schema_version
from .schema_store import validate_helm_values


@dataclass
class UpgradeResult:
    request: str
    release: str
    current: str
    target: str
    values_problems: list[Problem]
    chart: ChartReport

    @property
    def control_plane_restarts(self) -> bool:
        return any(name.startswith("StatefulSet/") for name in self.chart.restarts)

    @property
    def blocking(self) -> bool:
        return bool(self.values_problems) or self.chart.blocking

    def as_dict(self) -> dict[str, Any]:
        return {"request": self.request, "release": self.release, "from": self.current, "to": self.target,
                "valuesValid": not self.values_problems, "valuesProblems": [str(p) for p in self.values_problems],
                "controlPlaneRestarts": self.control_plane_restarts, "blocking": self.blocking,
                "chart": self.chart.as_dict()}


def schema_problems(values: dict[str, Any], version: str) -> list[Problem]:
    schema = chart_schema_version(version)
    if not schema:
        return [Problem("--to", version, "no vcluster values schema for this chart line; supported: "
                        + ", ".join(f"{known}.x" for known in SUPPORTED_CHART_LINES))]
    return validate_helm_values(values, schema, f"values for vcluster {version}")


def check_upgrade(request: Path, target: str, charts: Path) -> UpgradeResult:
    """Render the request as the pipeline does, then template its values with today's chart and the target."""
    current = chart_input_of(with_promise_outputs(objects_of(request)))
    problems = schema_problems(current.values, target)
    report = compare_objects(template(current, charts), template(replace(current, version=target), charts))
    return UpgradeResult(str(request), current.release, current.version, target, problems, report)


def format_result(result: UpgradeResult) -> str:
    lines = [f"{result.request}: release {result.release}, vcluster {result.current} → {result.target}"]
    lines += [f"INVALID   {p}" for p in result.values_problems] or [
        f"values: valid against the {result.target} chart's schema"]
    lines.append(format_chart(result.chart, result.current, result.target))
    lines.append("control plane: " + ("restarts (a rolling update of its StatefulSet)" if
                                      result.control_plane_restarts else "keeps running"))
    verdict = "FAIL" if result.blocking else "PASS"
    lines.append(f"{verdict}: {'the upgrade needs a manual step (see above)' if result.blocking else 'safe'}")
    return "\n".join(lines)
