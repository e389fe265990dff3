"""The platform settings the pipeline's trust checks read: parsed from the promise's environment, refused with
their variable when malformed, and applied at the request's field paths."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import request
from vcluster_platform.errors import InvalidRequest
from vcluster_platform.models import settings_from_document
from vcluster_platform.models.platform import platform_from_env
from vcluster_platform.render import render_all

DIGEST = "registry.example.com/python@sha256:" + "0" * 64


def _paths(doc: dict[str, Any], **env: str) -> list[str]:
    with pytest.raises(InvalidRequest) as refused:
        settings_from_document(doc, platform_from_env(env))
    return [p.path for p in refused.value.problems]


def test_installers_widen_the_allow_lists_through_the_environment() -> None:
    doc = request("media", argocdApplication={"repoURL": "https://charts.example.com/loft",
                                              "destinationServer": "https://edge.example.com:6443"})
    assert _paths(doc) == ["spec.argocdApplication.repoURL", "spec.argocdApplication.destinationServer"]
    env = {"VCLUSTER_PLATFORM_CHART_REPOS": "https://charts.loft.sh, https://charts.example.com/loft/",
           "VCLUSTER_PLATFORM_DESTINATION_SERVERS": "https://kubernetes.default.svc,https://edge.example.com:6443"}
    settings = settings_from_document(doc, platform_from_env(env))
    assert settings.chart_repo == "https://charts.example.com/loft"


def test_a_registry_outside_the_list_is_named_at_its_path() -> None:
    doc = request("media", vcluster={"helmOverrides": {"controlPlane": {"statefulSet": {"image": {
        "registry": "quay.io", "repository": "loft/vcluster", "tag": "0.31.1"}}}}})
    assert _paths(doc) == ["spec.vcluster.helmOverrides.controlPlane.statefulSet.image"]
    settings_from_document(doc, platform_from_env({"VCLUSTER_PLATFORM_IMAGE_REGISTRIES": "ghcr.io,quay.io"}))


def test_a_connect_endpoint_must_be_listed_and_never_plain_http_off_cluster() -> None:
    elsewhere = request("media", integrations={"onePassword": {"connectHost": "http://op.example.com"}})
    assert _paths(elsewhere) == ["spec.integrations.onePassword.connectHost"] * 2
    listed = {"VCLUSTER_PLATFORM_CONNECT_HOSTS": "http://op.example.com"}
    assert _paths(elsewhere, **listed) == ["spec.integrations.onePassword.connectHost"]  # listed, still clear text
    tls = request("media", integrations={"onePassword": {"connectHost": "https://op.example.com"}})
    settings_from_document(tls, platform_from_env({"VCLUSTER_PLATFORM_CONNECT_HOSTS": "https://op.example.com"}))


@pytest.mark.parametrize(("variable", "value"), [
    ("VCLUSTER_PLATFORM_CHART_REPOS", "charts.loft.sh"),
    ("VCLUSTER_PLATFORM_IMAGE_REGISTRIES", "ghcr.io/loft-sh"),
    ("VCLUSTER_PLATFORM_JOB_IMAGE", "docker.io/library/python:latest"),
    ("VCLUSTER_PLATFORM_JOB_IMAGE", "python"),
])
def test_a_malformed_setting_is_refused_with_its_variable(variable: str, value: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        platform_from_env({variable: value})
    assert refused.value.problems[0].path == f"env {variable}"


def test_the_jobs_run_in_the_platforms_job_image_and_are_renamed_with_it() -> None:
    doc = request("media", vcluster={"preset": "prod"})
    default = render_all(settings_from_document(doc, platform_from_env({})))
    pinned = render_all(settings_from_document(doc, platform_from_env({"VCLUSTER_PLATFORM_JOB_IMAGE": DIGEST})))

    def jobs(objects: list[dict[str, Any]]) -> dict[str, str]:
        return {o["metadata"]["name"]: o["spec"]["template"]["spec"]["containers"][0]["image"]
                for o in objects if o["kind"] == "Job"}

    assert set(jobs(pinned).values()) == {DIGEST}
    assert DIGEST not in jobs(default).values()
    assert set(jobs(pinned)).isdisjoint(jobs(default))  # a Job is immutable: another image is another Job


def test_a_catch_all_nfs_range_and_reserved_labels_are_refused_for_everyone() -> None:
    doc = request("media", networkPolicies={"enableNFS": True, "nfsCIDR": "0.0.0.0/0"},
                  integrations={"argocd": {"clusterLabels": {"cluster_role": "platform", "team": "a"}}})
    assert _paths(doc) == ["spec.networkPolicies.nfsCIDR", "spec.integrations.argocd.clusterLabels.cluster_role"]


@pytest.mark.parametrize("namespace", ["kube-system", "kube-flannel", "openshift-config", "kratix-worker-system",
                                       "monitoring", "nginx-gateway", "argocd", "platform-requests"])
def test_a_shared_namespace_is_never_a_tenants(namespace: str) -> None:
    assert "spec.targetNamespace" in _paths(request(namespace, targetNamespace=namespace))
