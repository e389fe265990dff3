"""Checked-in generated files equal a fresh generation; CRDs follow the structural and no-default rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, SHARED
from platform_common.generate import write_or_check
from vcluster_platform import generate
from vcluster_platform.generate.promises import PROMISES, promise_crd


def test_shared_schemas_are_present() -> None:
    assert (SHARED / "schemas" / "vcluster").is_dir(), f"shared/ not found at {SHARED}; set SHARED_DIR"


def test_checked_in_files_match_a_fresh_generation() -> None:
    fresh = generate.schema_artifacts()
    drift = [str(p.relative_to(REPO)) for p, text in fresh.items() if not p.exists() or p.read_text() != text]
    assert drift == [], "run `make generate` and commit"


def test_check_mode_reports_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "x.json"
    target.write_text("old")
    assert write_or_check(["--check"], lambda: {target: "new"}, "") == 1
    assert target.read_text() == "old"
    assert write_or_check([], lambda: {target: "new"}, "") == 0 and target.read_text() == "new"


def _walk(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    out = []
    if isinstance(node, dict):
        out.append((path, node))
        for key, value in node.get("properties", {}).items():
            out += _walk(value, f"{path}.{key}")
        if isinstance(node.get("items"), dict):
            out += _walk(node["items"], f"{path}[]")
        if isinstance(node.get("additionalProperties"), dict):
            out += _walk(node["additionalProperties"], f"{path}{{}}")
    return out


@pytest.mark.parametrize("promise", PROMISES, ids=[p.name for p in PROMISES])
def test_generated_crd_is_structural_and_has_no_defaults(promise: Any) -> None:
    schema = promise_crd(promise)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    for path, node in _walk(schema):
        assert "default" not in node, f"{path} carries a CRD default"
        assert "$ref" not in node and "anyOf" not in node and "title" not in node, path
        assert node.get("additionalProperties") is not False, path
        assert ("type" in node or node.get("x-kubernetes-int-or-string")
                or node.get("x-kubernetes-preserve-unknown-fields")), f"{path} has no type"


def test_orchestrator_crd_accepts_v1_spellings_and_validates_names() -> None:
    promise = yaml.safe_load((REPO / "promises" / "vcluster-orchestrator-v2" / "promise.yaml").read_text())
    spec = promise["spec"]["api"]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    repo = spec["properties"]["integrations"]["properties"]["argocd"]["properties"]["workloadRepo"]["properties"]
    assert {"url", "repoURL", "revision", "targetRevision"} <= set(repo)
    assert spec["required"] == ["name"] and spec["properties"]["name"]["maxLength"] == 38
    replicas = spec["properties"]["vcluster"]["properties"]["replicas"]
    assert replicas["type"] == "integer" and "default" not in replicas
    images = [c["image"] for w in promise["spec"]["workflows"]["resource"].values() for p in w
              for c in p["spec"]["containers"]]
    assert all(":" in i and not i.endswith(":latest") for i in images)


def test_migration_crd_matches_the_model() -> None:
    from vsphere_migration.generate import artifacts

    drift = [str(p.relative_to(REPO)) for p, text in artifacts().items() if not p.exists() or p.read_text() != text]
    assert drift == [], "run `make generate` and commit"


def test_migration_crd_has_status_columns_and_no_defaults() -> None:
    from vsphere_migration.api.crd import migration_crd

    crd = migration_crd()
    version = crd["spec"]["versions"][0]
    assert crd["spec"]["names"]["shortNames"] == ["vcfm"]
    assert version["subresources"] == {"status": {}}
    assert [c["jsonPath"] for c in version["additionalPrinterColumns"]][:3] == [
        ".status.phase", ".status.currentPhase", ".status.progress"]
    schema = version["schema"]["openAPIV3Schema"]
    assert all("default" not in node for _, node in _walk(schema)), "defaults belong in the model, not the CRD"
    spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert set(spec["required"]) == {"targetVCenter", "failureDomains"}
    topology = spec["properties"]["failureDomains"]["items"]["properties"]["topology"]["properties"]
    assert topology["computeCluster"]["pattern"] == "^/.*?/host/.*?"
    assert topology["datastore"]["pattern"] == "^/.*?/datastore/.*?"
