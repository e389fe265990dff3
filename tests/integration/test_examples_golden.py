"""Examples render to the reviewed golden files, and every rendered object keeps the platform's properties.

Refresh after a reviewed change: UPDATE_GOLDEN=1 pytest tests/integration/test_examples_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from conftest import ARGOCD_EXAMPLES, ORCHESTRATOR_EXAMPLES, REPO, rendered_objects
from vcluster_platform.policy import gate
from vcluster_platform.schema_store import validate_object

GOLDEN = REPO / "tests" / "golden"
ALL_EXAMPLES = ORCHESTRATOR_EXAMPLES + ARGOCD_EXAMPLES


@pytest.mark.parametrize("example", ALL_EXAMPLES, ids=[p.stem for p in ALL_EXAMPLES])
def test_example_matches_golden_and_properties(render: Any, example: Path) -> None:
    code, out = render(example.read_text())
    assert code == 0
    objects = rendered_objects(out)
    assert objects and gate(objects) == []
    assert all(validate_object(o) == [] for o in objects)
    assert all(o["kind"] != "Secret" for o in objects)
    golden_dir = GOLDEN / example.stem
    produced = {p.relative_to(out / "output").as_posix(): p.read_text() for p in (out / "output").rglob("*.yaml")}
    if os.environ.get("UPDATE_GOLDEN"):
        for old in golden_dir.rglob("*.yaml"):
            old.unlink()
        for rel, text in produced.items():
            (golden_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden_dir / rel).write_text(text)
    expected = {p.relative_to(golden_dir).as_posix(): p.read_text() for p in golden_dir.rglob("*.yaml")}
    assert produced == expected


def test_prod_example_keeps_the_v1_identity() -> None:
    """Reviewed facts of the media request, checked independently of the golden files."""
    import yaml

    golden = GOLDEN / "media-prod" / "platform" / "argocdapplication.platform-requests.vcluster-media.yaml"
    app = yaml.safe_load(golden.read_text())
    spec = app["spec"]
    assert spec["name"] == "vcluster-media" and spec["source"]["helm"]["releaseName"] == "media"
    assert spec["destination"]["namespace"] == "vcluster-media"
    assert spec["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
    values = spec["source"]["helm"]["valuesObject"]["controlPlane"]
    assert values["statefulSet"]["persistence"]["volumeClaim"] == {
        "enabled": True, "size": "10Gi", "storageClass": "config-nfs-client"}
    assert values["backingStore"] == {"etcd": {"deploy": {"enabled": True, "statefulSet": {
        "highAvailability": {"replicas": 3}}}}}
    assert spec["annotations"]["argocd.argoproj.io/sync-wave"] == "1"
