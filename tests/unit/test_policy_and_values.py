from __future__ import annotations

import copy
from typing import Any

import pytest

from conftest import request
from vcluster_platform.errors import InvalidRequest, RenderInvariantError
from vcluster_platform.models import settings_from_document
from vcluster_platform.pipeline.checks import check_objects, check_render
from vcluster_platform.policy import gate, object_problems
from vcluster_platform.render import render_all
from vcluster_platform.render.helm_values import deep_merge, render_helm_values
from vcluster_platform.yamlio import load_strict

LABELS = {"kratix.io/promise-name": "p", "kratix.io/resource-name": "r", "app.kubernetes.io/managed-by": "kratix"}


def _cm(**meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "ns", "labels": dict(LABELS), **meta}}


def test_gate_accepts_a_good_object() -> None:
    assert object_problems(_cm()) == []


@pytest.mark.parametrize(("obj", "path", "words"), [
    ({**_cm(), "kind": "Secret"}, "kind", "a Secret is never rendered"),
    ({"apiVersion": "v1", "kind": "List", "items": [{**_cm(), "kind": "Secret"}]}, "kind", "Secret is never"),
    ({"apiVersion": "v1", "kind": "ConfigMapList", "items": [{**_cm(), "kind": "Secret"}]}, "kind", "Secret is"),
    (_cm(labels={}), "metadata.labels", "missing labels"),
    ({**_cm(), "metadata": {"name": "x", "labels": LABELS}}, "metadata.namespace", "explicit"),
    (_cm(name="Bad_Name"), "metadata.name", "not a valid"),
    ({**_cm(), "kind": "Job", "metadata": {"name": "j" * 64, "namespace": "ns", "labels": LABELS}}, "metadata.name",
     "label"),
    ({**_cm(), "kind": "Job", "spec": {"template": {"spec": {"containers": [{"image": "busybox"}]}}}}, "image",
     "pinned"),
    ({**_cm(), "kind": "Job", "spec": {"template": {"spec": {"containers": [{"image": "a/b:latest"}]}}}}, "image",
     "pinned"),
])
def test_gate_rejects(obj: dict[str, Any], path: str, words: str) -> None:
    problems = object_problems(obj)
    assert any(p.path == path and words in p.message and p.source == "policy" for p in problems), problems
    assert all(str(p).startswith(p.subject + ": " + p.path) for p in problems)


def test_gate_finds_duplicates() -> None:
    found = gate([_cm(), _cm()])
    assert [(p.path, p.message, p.source) for p in found] == [("metadata.name", "is rendered twice", "policy")]


def test_check_objects_raises_on_secret_even_if_schema_is_unknown() -> None:
    with pytest.raises(RenderInvariantError, match="Secret"):
        check_objects([{**_cm(), "kind": "Secret"}])


def test_check_objects_rejects_a_schema_violation() -> None:
    bad = _cm()
    bad["data"] = {"k": 1}
    with pytest.raises(RenderInvariantError, match="data"):
        check_objects([bad])


def test_etcd_backing_store_emits_only_etcd() -> None:
    values = render_helm_values(settings_from_document(request(vcluster={"preset": "prod"})))
    store = values["controlPlane"]["backingStore"]
    assert list(store) == ["etcd"] and store["etcd"]["deploy"]["statefulSet"]["highAvailability"]["replicas"] == 3
    assert "database" not in values and "database" not in store


def test_known_invalid_keys_never_appear() -> None:
    values = render_helm_values(settings_from_document(request(vcluster={"preset": "prod"})))
    for key in ("resources", "persistence", "ingress", "database"):
        assert key not in values
    assert "disabled" not in values["telemetry"]
    assert "type" not in values["controlPlane"].get("service", {})


def test_deep_merge() -> None:
    base = {"a": {"b": 1, "c": [1]}, "d": 1}
    merged = deep_merge(base, {"a": {"c": [2], "e": 3}})
    assert merged == {"a": {"b": 1, "c": [2], "e": 3}, "d": 1}
    assert base == {"a": {"b": 1, "c": [1]}, "d": 1}


def test_overrides_that_break_the_chart_schema_are_the_requests_fault() -> None:
    s = settings_from_document(request(vcluster={"helmOverrides": {"telemetry": {"disabled": True}}}))
    with pytest.raises(InvalidRequest) as info:
        check_render(s, render_all(s))
    assert info.value.problems[0].path == "spec.vcluster.helmOverrides.telemetry"
    assert "'disabled' was unexpected" in info.value.problems[0].message
    assert "disabled" in info.value.problems[0].message


def test_storage_class_sync_both_ways_is_refused() -> None:
    overrides = {"sync": {"toHost": {"storageClasses": {"enabled": True}},
                          "fromHost": {"storageClasses": {"enabled": True}}}}
    s = settings_from_document(request(vcluster={"helmOverrides": overrides}))
    with pytest.raises(InvalidRequest, match="storageClasses"):
        check_render(s, render_all(s))


def test_a_renderer_bug_is_caught_before_output() -> None:
    s = settings_from_document(request())
    objects = copy.deepcopy(render_all(s))
    objects[0]["metadata"]["labels"].pop("kratix.io/resource-name")
    with pytest.raises(RenderInvariantError, match="missing labels"):
        check_render(s, objects)


def test_duplicate_yaml_keys_are_rejected() -> None:
    with pytest.raises(InvalidRequest, match="duplicate key"):
        load_strict("controlPlane: {}\ncontrolPlane: {}\n")
