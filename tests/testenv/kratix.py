"""What Kratix creates for a resource pipeline: its ServiceAccount and, from the pipeline's
`spec.rbac.permissions`, the Roles/ClusterRoles and bindings (no resourceNamespace: a Role in the pipeline's
namespace; a namespace: a Role there; "*": a ClusterRole with a ClusterRoleBinding)."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
RBAC = "rbac.authorization.k8s.io/v1"


def pipeline_of(promise: Obj, action: str) -> Obj:
    pipeline: Obj = promise["spec"]["workflows"]["resource"][action][0]
    return pipeline


def service_account_name(promise: Obj, action: str) -> str:
    return f"{promise['metadata']['name']}-resource-{action}-{pipeline_of(promise, action)['metadata']['name']}"


def pipeline_rbac(promise: Obj, action: str, namespace: str) -> list[Obj]:
    """ServiceAccount, roles and bindings for one resource pipeline running in `namespace`."""
    account = service_account_name(promise, action)
    subject = [{"kind": "ServiceAccount", "name": account, "namespace": namespace}]
    objects: list[Obj] = [{"apiVersion": "v1", "kind": "ServiceAccount",
                           "metadata": {"name": account, "namespace": namespace}}]
    permissions = ((pipeline_of(promise, action).get("spec") or {}).get("rbac") or {}).get("permissions") or []
    for index, permission in enumerate(permissions):
        rule = {k: v for k, v in permission.items() if k != "resourceNamespace"}
        target = permission.get("resourceNamespace") or namespace
        name = f"{account}-{index}"
        if target == "*":
            objects += [
                {"apiVersion": RBAC, "kind": "ClusterRole", "metadata": {"name": name}, "rules": [rule]},
                {"apiVersion": RBAC, "kind": "ClusterRoleBinding", "metadata": {"name": name}, "subjects": subject,
                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name}},
            ]
        else:
            objects += [
                {"apiVersion": RBAC, "kind": "Role", "metadata": {"name": name, "namespace": target}, "rules": [rule]},
                {"apiVersion": RBAC, "kind": "RoleBinding", "metadata": {"name": name, "namespace": target},
                 "subjects": subject,
                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name}},
            ]
    return objects
