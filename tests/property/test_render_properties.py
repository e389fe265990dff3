"""Properties of the renderers over generated valid requests (≥ 10,000 in the corpus test)."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from hypothesis import HealthCheck, given, settings

from property.strategies import NASTY, valid_request
from vcluster_platform.models import settings_from_document
from vcluster_platform.models.names import is_dns1123_label, is_dns1123_subdomain
from vcluster_platform.pipeline.checks import check_render
from vcluster_platform.pipeline.configure import output_files, render_request
from vcluster_platform.policy import LABEL_NAMED_KINDS, gate
from vcluster_platform.render import render_all

CORPUS = settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def _assert_properties(doc: dict[str, Any]) -> None:
    s, objects = render_request(doc)  # raises if any object fails the gate or its schema
    assert gate(objects) == []
    assert all(o["kind"] != "Secret" for o in objects)
    for o in objects:
        name = o["metadata"]["name"]
        assert is_dns1123_label(name) if o["kind"] in LABEL_NAMED_KINDS else is_dns1123_subdomain(name)
    if s.subnet:
        net = ipaddress.IPv4Network(s.subnet)
        vip = ipaddress.IPv4Address(s.vip)
        assert vip in net and vip not in (net.network_address, net.broadcast_address)


@CORPUS
@given(valid_request())
def test_corpus_every_valid_request_renders_valid_objects(doc: dict[str, Any]) -> None:
    _assert_properties(doc)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(valid_request())
def test_rendering_is_deterministic(doc: dict[str, Any]) -> None:
    first = output_files(render_request(doc)[1])
    second = output_files(render_request(json.loads(json.dumps(doc)))[1])
    assert first == second


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(valid_request())
def test_request_text_reaches_the_job_only_as_data(doc: dict[str, Any]) -> None:
    s = settings_from_document(doc)
    job = next(o for o in render_all(s) if o["kind"] == "Job")
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python3", "/opt/sync/sync_kubeconfig.py"]
    assert "args" not in container
    text = json.dumps(container["command"])
    assert not any(n in text for n in NASTY)
    check_render(s, render_all(s))
