"""The reconciler's alert rules under promtool (built from github.com/prometheus/prometheus beside the test
servers): `promtool check rules` accepts them, and `promtool test rules` shows each alert firing on the input
series where it should and staying quiet where it should not."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "deploy" / "vcluster-status" / "alerts.yaml"
TENANT = {"namespace": "platform-requests", "name": "ledger"}
DAY, HOUR = 86400, 3600


@pytest.fixture(scope="module")
def promtool(promtool_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Run promtool on the PrometheusRule's groups, written out as a plain rule file."""
    work = tmp_path_factory.mktemp("rules")
    rules = work / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": yaml.safe_load(RULES.read_text())["spec"]["groups"]}))

    def run(*args: str, tests: dict[str, Any] | None = None) -> subprocess.CompletedProcess[str]:
        argv = [str(promtool_binary), *args]
        if tests is not None:
            path = work / f"tests-{len(list(work.glob('tests-*.yaml')))}.yaml"
            path.write_text(yaml.safe_dump({"rule_files": [str(rules)], "evaluation_interval": "1m", **tests}))
            argv.append(str(path))
        else:
            argv.append(str(rules))
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)

    return run


def annotations(alert: str, labels: dict[str, str]) -> dict[str, str]:
    """The rule's annotations with its {{ $labels.x }} templates filled in, as Prometheus would."""
    doc = yaml.safe_load(RULES.read_text())
    rule = next(r for g in doc["spec"]["groups"] for r in g["rules"] if r.get("alert") == alert)
    return {k: re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels[m.group(1)], str(v))
            for k, v in rule["annotations"].items()}


def series(metric: str, values: str, **labels: str) -> dict[str, str]:
    selector = ",".join(f'{k}="{v}"' for k, v in {**TENANT, **labels}.items())
    return {"series": f"{metric}{{{selector}}}", "values": values}


def test_promtool_accepts_the_rules(promtool: Any) -> None:
    done = promtool("check", "rules")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_backup_stale_fires_past_twice_the_schedule_and_not_before(promtool: Any) -> None:
    """Nightly schedule (max age 48 h): last success at 1 h and never again. Quiet at 48 h and at 49 h 10 min
    (pending for 15 minutes), firing at 49 h 20 min and after. Another tenant backed up every day stays quiet.
    (No value starts with 0: the series notation reads `0x..` as a hexadecimal number.)"""
    fired = {**TENANT, "severity": "warning"}
    minutes = 60 * 24 * 5
    tests = {"tests": [{
        "interval": "1m",  # as scraped: an hourly sample would be stale for most of each hour
        "input_series": [
            series("vcluster_tenant_backup_last_success_timestamp_seconds", f"{HOUR}x{minutes}"),
            series("vcluster_tenant_backup_max_age_seconds", f"{2 * DAY}x{minutes}"),
            series("vcluster_tenant_backup_last_success_timestamp_seconds",
                   " ".join(f"{d * DAY + HOUR}x1439" for d in range(5)), name="daily"),
            series("vcluster_tenant_backup_max_age_seconds", f"{2 * DAY}x{minutes}", name="daily"),
        ],
        "alert_rule_test": [
            {"eval_time": "48h", "alertname": "VClusterBackupStale", "exp_alerts": []},
            {"eval_time": "49h10m", "alertname": "VClusterBackupStale", "exp_alerts": []},
            {"eval_time": "49h20m", "alertname": "VClusterBackupStale", "exp_alerts": [
                {"exp_labels": fired, "exp_annotations": annotations("VClusterBackupStale", TENANT)}]},
            {"eval_time": "110h", "alertname": "VClusterBackupStale", "exp_alerts": [
                {"exp_labels": fired, "exp_annotations": annotations("VClusterBackupStale", TENANT)}]},
        ],
    }]}
    done = promtool("test", "rules", tests=tests)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_rule_test_can_fail(promtool: Any) -> None:
    """The same input with the alert expected at 47 h is refused: promtool really judges the rule."""
    tests = {"tests": [{
        "interval": "1m",
        "input_series": [series("vcluster_tenant_backup_last_success_timestamp_seconds", f"{HOUR}x3600"),
                         series("vcluster_tenant_backup_max_age_seconds", f"{2 * DAY}x3600")],
        "alert_rule_test": [{"eval_time": "47h", "alertname": "VClusterBackupStale", "exp_alerts": [
            {"exp_labels": {**TENANT, "severity": "warning"}}]}],
    }]}
    done = promtool("test", "rules", tests=tests)
    assert done.returncode != 0 and "VClusterBackupStale" in done.stdout + done.stderr
