"""The controller's deploy RBAC grants what RestartPods needs in every namespace it restarts pods in."""

from __future__ import annotations

import yaml

from conftest import REPO
from vsphere_migration.phases.restart_pods import VSPHERE_PODS

RBAC = REPO / "deploy" / "vsphere-migration" / "rbac.yaml"


def test_every_namespace_of_the_restart_list_has_a_bound_role_to_list_and_delete_pods() -> None:
    docs = [d for d in yaml.safe_load_all(RBAC.read_text()) if d]
    roles = {d["metadata"].get("namespace"): d for d in docs if d["kind"] == "Role"}
    bound = {d["metadata"].get("namespace") for d in docs if d["kind"] == "RoleBinding"}
    for namespace in sorted({ns for ns, _ in VSPHERE_PODS}):
        assert namespace in roles and namespace in bound, f"no Role/RoleBinding in {namespace}"
        rules = [r for r in roles[namespace]["rules"] if "pods" in r["resources"]]
        assert rules and {"list", "delete"} <= set(rules[0]["verbs"]), namespace


def test_the_version_operator_is_scaled_only_through_its_scale_subresource() -> None:
    """The controller reads the CVO Deployment and patches deployments/scale; it may not patch the Deployment
    itself (its pod template: image, command)."""
    docs = [d for d in yaml.safe_load_all(RBAC.read_text()) if d]
    role = next(d for d in docs if d["kind"] == "Role" and d["metadata"]["namespace"] == "openshift-cluster-version")
    grants = {(resource, verb) for rule in role["rules"] for resource in rule["resources"] for verb in rule["verbs"]}
    assert grants == {("deployments", "get"), ("deployments/scale", "patch")}
    assert all(rule["resourceNames"] == ["cluster-version-operator"] for rule in role["rules"])
