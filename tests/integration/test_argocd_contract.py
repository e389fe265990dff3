"""Contract: what the orchestrator hands to the argocd-* promises is valid for them and keeps its identity."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from conftest import ORCHESTRATOR_EXAMPLES, load, request
from property.conftest import any_address_plan  # noqa: F401 - an autouse fixture: generated subnets render
from property.strategies import valid_request
from vcluster_platform.errors import InvalidRequest
from vcluster_platform.pipeline.argocd import render_argocd_request
from vcluster_platform.pipeline.configure import render_request
from vcluster_platform.schema_store import validate_object

REQUEST_KINDS = ("ArgoCDProject", "ArgoCDApplication")


def _check_contract(doc: dict[str, Any]) -> None:
    s, objects = render_request(doc)
    requests = [o for o in objects if o["kind"] in REQUEST_KINDS]
    assert {o["kind"] for o in requests} == set(REQUEST_KINDS)
    for req in requests:
        assert validate_object(req) == []  # against the argocd-* promises' generated CRDs
        rendered = render_argocd_request(req)  # through their pipeline's renderer and checks
        assert validate_object(rendered) == []  # against the upstream ArgoCD CRDs
        spec = req["spec"]
        assert rendered["metadata"]["name"] == spec["name"]
        assert rendered["metadata"]["annotations"] == spec["annotations"]
        if rendered["kind"] == "Application" and spec["source"].get("chart"):
            assert rendered["metadata"]["name"] == f"vcluster-{s.name}"
            assert rendered["spec"]["source"]["helm"]["releaseName"] == s.name
            assert rendered["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
            assert rendered["spec"]["destination"]["namespace"] == s.target_namespace
            assert rendered["spec"]["source"]["helm"]["valuesObject"] == spec["source"]["helm"]["valuesObject"]
            assert rendered["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "1"
        if rendered["kind"] == "AppProject":
            assert rendered["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "0"


def test_examples_contract() -> None:
    for example in ORCHESTRATOR_EXAMPLES:
        _check_contract(load(example))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(valid_request())
def test_generated_requests_contract(doc: dict[str, Any]) -> None:
    _check_contract(doc)


def test_argocd_request_errors_name_the_field() -> None:
    _settings, objects = render_request(request("demo"))
    app = next(o for o in objects if o["kind"] == "ArgoCDApplication")
    app["spec"]["source"]["path"] = "charts/vcluster"
    try:
        render_argocd_request(app)
    except InvalidRequest as exc:
        assert exc.problems[0].path == "spec.source" and "exactly one" in exc.problems[0].message
    else:
        raise AssertionError("chart and path together must be refused")
