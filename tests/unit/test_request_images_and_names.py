"""Fields whose values become images or object references are judged at the request: every image in
helmOverrides and the backing store pinned, and a selector label that names an issuer or a store a valid name
(before, the output gate caught these with exit 3, or crashed on a non-string image)."""

from __future__ import annotations

from typing import Any

import pytest

from vcluster_platform.models.rules import check_named_refs, check_pinned_images, is_pinned_image
from vcluster_platform.policy import object_problems

PINNED = ["registry.k8s.io/etcd:3.6.8-0", "busybox:1.36", "ghcr.io/a/b@sha256:" + "a" * 64, "localhost:5000/x:1"]
NOT_PINNED = ["busybox", "busybox:latest", "a b:1", "x@sha256:short", "", 123, None, {"a": 1}, ["x"]]


@pytest.mark.parametrize("image", PINNED)
def test_pinned_references(image: str) -> None:
    assert is_pinned_image(image)


@pytest.mark.parametrize("image", NOT_PINNED, ids=repr)
def test_references_that_are_not_pinned(image: Any) -> None:
    assert not is_pinned_image(image)


def values(**image: Any) -> dict[str, Any]:
    return {"controlPlane": {"statefulSet": {"initContainers": [{"name": "wait", **image}]}}}


@pytest.mark.parametrize("image", NOT_PINNED, ids=repr)
def test_an_init_container_image_that_is_not_pinned_is_refused_with_its_path(image: Any) -> None:
    with pytest.raises(ValueError, match=r"controlPlane\.statefulSet\.initContainers\[0\]\.image: "):
        check_pinned_images(values(image=image))


def test_a_container_without_an_image_is_refused() -> None:
    with pytest.raises(ValueError, match=r"initContainers\[0\]\.image: missing"):
        check_pinned_images(values())


def test_a_chart_image_is_judged_by_its_tag_and_may_leave_it_to_the_chart() -> None:
    chart = {"backingStore": {"etcd": {"deploy": {"statefulSet": {"image": {"registry": "registry.k8s.io",
                                                                          "repository": "etcd", "tag": "3.6.8-0"}}}}}}
    assert check_pinned_images(chart) == chart
    assert check_pinned_images({"controlPlane": {"statefulSet": {"image": {"repository": "x"}}}})
    for tag in ("latest", 3.6, None, "a b", "reg/x@sha256:short", ":v1", "-v1"):
        with pytest.raises(ValueError, match=r"statefulSet\.image\.tag: "):
            check_pinned_images({"controlPlane": {"statefulSet": {"image": {"repository": "x", "tag": tag}}}})


def test_pinned_images_and_values_without_images_pass() -> None:
    assert check_pinned_images(values(image="busybox:1.36")) and check_pinned_images({"a": [1, {"b": None}]})
    assert check_pinned_images(None) is None


@pytest.mark.parametrize("key", ["integratn.tech/cluster-secret-store", "integratn.tech/cluster-issuer"])
def test_a_selector_label_that_names_an_object_must_be_a_valid_name(key: str) -> None:
    assert check_named_refs({key: "onepassword-store", "team": "Media_Team"}) is not None  # other labels free
    for name in ("UPPER", "a_b", "-x", "x" * 300):
        with pytest.raises(ValueError, match="must be a lowercase DNS-1123 subdomain"):
            check_named_refs({key: name})


def test_the_output_gate_reports_a_non_string_image_instead_of_crashing() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"},
           "spec": {"containers": [{"name": "c", "image": 123}]}}
    assert [(p.path, p.value) for p in object_problems(pod) if p.path == "image"] == [("image", 123)]
