"""The settings table is the one declaration of every setting: resolve, explain, presets and docs agree."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ORCHESTRATOR_EXAMPLES, SHARED, load, request
from vcluster_platform.explain import explain_rows
from vcluster_platform.generate.promises import PROMISES, promise_crd
from vcluster_platform.models import EffectiveSettings, settings_from_document
from vcluster_platform.models.settings_table import BY_PATH, GLOBAL_DEFAULTS, PRESETS, SETTINGS, UNSET

# EffectiveSettings fields that are not settings of the request: identity, what is derived from several
# settings at once, the platform's own settings (explained as platform.*) and the bookkeeping.
NOT_SETTINGS = {"request_name", "request_namespace", "name", "backing_store_values", "values_schema_version",
                "platform", "reconcile_at", "base_domain", "sources", "declared"}
REQUESTS = [*ORCHESTRATOR_EXAMPLES, SHARED / "examples" / "real" / "vcluster-media.yaml"]


def test_every_effective_setting_is_declared_once_and_only_settings_are() -> None:
    fields = {f.name for f in dataclasses.fields(EffectiveSettings)} - NOT_SETTINGS
    attrs = [s.attr for s in SETTINGS if s.attr]
    paths = [s.path for s in SETTINGS]
    assert sorted(attrs) == sorted(fields)
    assert len(set(attrs)) == len(attrs) and len(set(paths)) == len(paths)


@pytest.mark.parametrize("path", REQUESTS, ids=lambda p: p.stem)
def test_a_field_declared_in_the_request_model_is_a_setting_with_a_value(path: Path) -> None:
    """Every setting but the two the backing store gives is declared on its request field; those without an
    EffectiveSettings attribute have a value by path for every request."""
    assert [s.path for s in SETTINGS if not s.declared_attrs] == [
        "vcluster.backingStore.type", "vcluster.backingStore.etcdReplicas"]
    by_path = [s for s in SETTINGS if not s.attr]
    assert {s.path for s in by_path} >= {"backup.enabled", "backup.schedule", "backup.retention"}
    settings = settings_from_document(load(path))
    assert set(settings.declared) == {s.path for s in by_path}


def crd_spec_schema() -> dict[str, Any]:
    crd = promise_crd(next(p for p in PROMISES if p.kind == "VClusterOrchestratorV2"))
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    return schema


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.path)
def test_every_setting_path_is_a_field_of_the_request(setting: Any) -> None:
    node = crd_spec_schema()
    for segment in setting.path.split("."):
        if node.get("x-kubernetes-preserve-unknown-fields") and "properties" not in node:
            return  # a chart-shaped tree (backingStore): its keys are the chart's, checked by the values schema
        assert segment in node.get("properties", {}), f"spec.{setting.path}: no field {segment!r}"
        node = node["properties"][segment]


def test_presets_and_defaults_come_from_the_table() -> None:
    for name, values in PRESETS.items():
        assert values == {s.path: getattr(s, name) for s in SETTINGS if getattr(s, name) is not UNSET}
    assert set(GLOBAL_DEFAULTS) == {s.path for s in SETTINGS if s.default is not UNSET}
    assert PRESETS["prod"]["vcluster.replicas"] == 3 and PRESETS["dev"]["vcluster.resources.requests.memory"] == \
        "768Mi"


@pytest.mark.parametrize("path", REQUESTS, ids=lambda p: p.stem)
def test_explain_shows_every_setting_with_its_value_and_source(path: Path) -> None:
    settings = settings_from_document(load(path))
    rows = {r["setting"]: r for r in explain_rows(settings) if not r["setting"].startswith("platform.")}
    assert list(rows) == [s.path for s in SETTINGS]
    for setting in SETTINGS:
        assert rows[setting.path]["source"] == settings.sources[setting.path]
    yaml.safe_dump(list(rows.values()))  # every value is plain data


def spec_value(spec: dict[str, Any], attrs: tuple[str, ...]) -> Any:
    """The value the request gives at a setting's path (any accepted spelling), through the request model."""
    from vcluster_platform.models.request import VClusterOrchestratorV2Spec

    node: Any = VClusterOrchestratorV2Spec.model_validate(spec)
    for attr in attrs:
        node = getattr(node, attr, None)
    return node


@pytest.mark.parametrize("path", REQUESTS, ids=lambda p: p.stem)
def test_a_plainly_resolved_setting_comes_from_the_request_exactly_when_the_request_sets_it(path: Path) -> None:
    doc = load(path)
    settings = settings_from_document(doc)
    for setting in SETTINGS:
        if setting.derived:
            continue
        given = spec_value(doc["spec"], setting.spec_attrs)
        source = settings.sources[setting.path]
        if given is not None:
            assert source == "request", setting.path
        else:
            assert source == (f"preset:{settings.preset}" if setting.path in PRESETS[settings.preset]
                              else "default"), setting.path


def test_a_preset_value_loses_to_the_request_field_by_field() -> None:
    settings = settings_from_document(request("demo", vcluster={"preset": "prod", "replicas": 2}))
    assert (settings.replicas, settings.sources["vcluster.replicas"]) == (2, "request")
    assert (settings.coredns_replicas, settings.sources["vcluster.coredns.replicas"]) == (2, "preset:prod")
    assert BY_PATH["vcluster.coredns.replicas"].prod == 2
