"""The reconciler's alert rules read only series it exports, and each has its summary, description and a
runbook section that exists in the README. (Evaluating the rules with promtool belongs to the alerting tier.)"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from vcluster_status.metrics import Metrics

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "deploy" / "vcluster-status" / "alerts.yaml"


def rules() -> list[dict[str, object]]:
    doc = yaml.safe_load(RULES.read_text())
    assert doc["kind"] == "PrometheusRule"
    return [rule for group in doc["spec"]["groups"] for rule in group["rules"]]


def exported() -> set[str]:
    return {sample_name for family in Metrics().registry.collect()
            for sample_name in (family.name, f"{family.name}_total", f"{family.name}_seconds")}


def test_every_series_a_rule_reads_is_exported_by_the_reconciler() -> None:
    names = exported()
    for rule in rules():
        used = set(re.findall(r"\bvcluster_[a-z_]+", str(rule["expr"])))
        assert used and used <= names, (rule["alert"], used - names)


def test_every_alert_says_what_happened_and_links_a_runbook_section_that_exists() -> None:
    readme = REPO.joinpath("README.md").read_text()
    anchors = {"#runbook-" + re.sub(r"[^a-z0-9-]", "", h.lower().replace(" ", "-"))
               for h in re.findall(r"^#+ Runbook: (\S+)", readme, flags=re.MULTILINE)}
    for rule in rules():
        annotations = rule["annotations"]
        assert isinstance(annotations, dict)
        assert annotations["summary"] and annotations["description"]
        assert annotations["runbook_url"].split("README.md", 1)[1] in anchors, rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical")  # type: ignore[index]
