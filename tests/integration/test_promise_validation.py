"""`vcluster-platform validate` on promise files: each pipeline against the fields of Kratix's Pipeline type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, load
from vcluster_platform.cli import main
from vcluster_platform.pipeline.kratix_schema import pipeline_problems

PROMISES = sorted((REPO / "promises").glob("*/promise.yaml"))


def test_the_shipped_promises_validate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *map(str, PROMISES)]) == 0
    assert "3 document(s) checked: 0 error(s), 0 warning(s)" in capsys.readouterr().out


def _broken(change: Any) -> dict[str, Any]:
    promise = load(REPO / "promises" / "vcluster-orchestrator-v2" / "promise.yaml")
    change(promise["spec"]["workflows"]["resource"]["delete"][0]["spec"])
    return promise


CASES = [
    ("misspelt permissions", lambda spec: spec["rbac"].update(permission=spec["rbac"].pop("permissions")),
     "spec.workflows.resource.delete[0].spec.rbac: Additional properties are not allowed ('permission'"),
    ("a rule without verbs", lambda spec: spec["rbac"]["permissions"][0].pop("verbs"),
     "spec.workflows.resource.delete[0].spec.rbac.permissions[0]: \"verbs\" is a required property"),
    ("namespace as a list", lambda spec: spec["rbac"]["permissions"][0].update(resourceNamespace=["*"]),
     "spec.rbac.permissions[0].resourceNamespace"),
    ("unknown container field", lambda spec: spec["containers"][0].update(workingDir="/x"),
     "spec.containers[0]: Additional properties are not allowed ('workingDir'"),
    ("no containers", lambda spec: spec.update(containers=[]), "spec.containers"),
]


@pytest.mark.parametrize(("change", "message"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_a_pipeline_kratix_would_refuse_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Any,
                                                     message: str) -> None:
    promise = _broken(change)
    assert any(message in p for p in pipeline_problems(promise)), pipeline_problems(promise)
    path = tmp_path / "promise.yaml"
    path.write_text(yaml.safe_dump(promise))
    assert main(["validate", str(path)]) == 1
    assert message in capsys.readouterr().out
