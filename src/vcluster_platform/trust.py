"""Who may set what in a VClusterOrchestratorV2 request, declared once: the admission policy the promise ships
(`promises/vcluster-orchestrator-v2/admission.yaml`) and the README's trust table are generated from it.

A request is an admin's when it lives in one of the platform's admin namespaces (the ConfigMap
`vcluster-platform-trust` names them; RBAC decides who may write there). Under GitOps ArgoCD applies every
request as itself, so the requester's identity says nothing and the namespace is what holds. Any other
request is a tenant's: it may not set the fields below, and may set chart values only under the listed
paths. The pipeline judges what it can alone (allowed repositories, destinations, registries, endpoints,
namespaces, catch-all egress, reserved labels) for every request: see models/boundary.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import API_GROUP
from .models.effective import BASE_DOMAIN_ANNOTATION

TRUST_CONFIGMAP = "vcluster-platform-trust"
TRUST_NAMESPACE = "kratix-platform-system"
ADMIN_NAMESPACES = ("platform-requests",)
POLICY_NAME = "vcluster-orchestrator-v2-tenant-boundary"

# A tree of the chart value paths a tenant may set: True allows anything below that key.
Tree = dict[str, "Tree | bool"]
TENANT_HELM_VALUES: Tree = {
    "controlPlane": {
        "statefulSet": {"resources": True, "highAvailability": True,
                        "persistence": {"volumeClaim": {"size": True, "storageClass": True}}},
        "coredns": {"deployment": {"replicas": True, "resources": True}},
    },
    "sync": {
        "toHost": {"persistentVolumeClaims": {"enabled": True}, "serviceAccounts": {"enabled": True},
                   "podDisruptionBudgets": {"enabled": True}},
        "fromHost": {"ingressClasses": {"enabled": True}, "storageClasses": {"enabled": True}},
    },
    "integrations": {"metricsServer": {"enabled": True}},
    "telemetry": True,
}
TENANT_BACKING_STORE: Tree = {
    "etcd": {"deploy": {"enabled": True, "statefulSet": {
        "highAvailability": {"replicas": True}, "resources": True,
        "persistence": {"volumeClaim": {"size": True}}}}},
    "database": {"embedded": {"enabled": True}},
}
TENANT_EGRESS_MIN_PREFIX = 16


@dataclass(frozen=True)
class AdminOnly:
    """A request field a tenant may not set (or may set only to one of `tenant_values`)."""

    path: str
    why: str
    tenant_values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class ValuePaths:
    """Chart values a tenant may set only under `tree`."""

    path: str
    tree: Tree
    why: str


ADMIN_ONLY = (
    AdminOnly("argocdApplication.repoURL", "the ArgoCD source: which chart the host installs"),
    AdminOnly("argocdApplication.repoUrl", "the ArgoCD source: which chart the host installs"),
    AdminOnly("argocdApplication.chart", "the ArgoCD source: which chart the host installs"),
    AdminOnly("argocdApplication.destinationServer", "the ArgoCD destination: which cluster it installs into"),
    AdminOnly("integrations.onePassword", "the 1Password Connect endpoint, token item and vault: where the "
                                          "Connect token is sent and the kubeconfig written"),
    AdminOnly("integrations.onepassword", "the 1Password Connect endpoint, token item and vault: where the "
                                          "Connect token is sent and the kubeconfig written"),
    AdminOnly("integrations.externalSecrets.clusterSecretStoreName", "which ClusterSecretStore is read"),
    AdminOnly("integrations.externalSecrets.clusterStoreSelectorLabels", "which ClusterSecretStore is read"),
    AdminOnly("integrations.certManager.issuerName", "which issuer signs the API certificate"),
    AdminOnly("integrations.certManager.issuerKind", "which issuer signs the API certificate"),
    AdminOnly("integrations.certManager.clusterIssuerSelectorLabels", "which issuer signs the API certificate"),
    AdminOnly("networkPolicies.baseline", "switching the baseline isolation off", tenant_values=(True,)),
    AdminOnly("vcluster.podSecurity", "privileged pods on the host", tenant_values=("baseline", "restricted")),
    AdminOnly("networkPolicies.nfsCIDR", "where NFS egress may go (the platform's NFS ranges otherwise)"),
    AdminOnly("networkPolicies.nfsCidr", "where NFS egress may go (the platform's NFS ranges otherwise)"),
    AdminOnly("backup.destination.nfs", "which NFS export the host mounts for the snapshots (a claim of the "
                                        "tenant's own, or the platform's, otherwise)"),
)
VALUE_PATHS = (
    ValuePaths("vcluster.helmOverrides", TENANT_HELM_VALUES, "chart values reach host RBAC, host syncing, "
                                                              "images, privileges and manifests"),
    ValuePaths("vcluster.backingStore", TENANT_BACKING_STORE, "the store's image and etcd flags"),
)


def tree_paths(tree: Tree, prefix: str = "") -> list[str]:
    """The allowed value paths of a tree, dotted (a path ends where anything below it is allowed)."""
    out: list[str] = []
    for key, below in tree.items():
        here = f"{prefix}.{key}" if prefix else key
        out += [here] if below is True else tree_paths(below, here) if isinstance(below, dict) else []
    return out


# --- the admission policy ------------------------------------------------------------------------------------


class Cel(str):
    """A CEL expression inside a message (plain `str` parts are text)."""


def _message(*parts: str) -> str:
    """A CEL string expression joining text and CEL parts (text quoted and escaped as CEL literals)."""
    def literal(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return " + ".join(part if isinstance(part, Cel) else literal(part) for part in parts if part)


ADMINS = Cel("params.data.adminNamespaces")


def _cel_path(path: str) -> str:
    return "object.spec." + path


def _has_chain(path: str) -> str:
    """has() of every segment, so a missing parent reads as "not set"."""
    parts = path.split(".")
    return " && ".join(f"has({_cel_path('.'.join(parts[:i + 1]))})" for i in range(len(parts)))


def _admin_only_validation(field: AdminOnly) -> dict[str, str]:
    where = f"spec.{field.path}"
    hint = "only a platform admin may set it (a request in an admin namespace: "
    if not field.tenant_values:
        expression = f"!({_has_chain(field.path)})"
        message = _message(f"{where} is set: {field.why}; {hint}", ADMINS, ")")
    else:
        literals = [str(v).lower() if isinstance(v, bool) else f"'{v}'" for v in field.tenant_values]
        expression = f"!({_has_chain(field.path)}) || {_cel_path(field.path)} in [{', '.join(literals)}]"
        shown = ", ".join(str(v).lower() if isinstance(v, bool) else str(v) for v in field.tenant_values)
        message = _message(f"{where}: ", Cel(f"string({_cel_path(field.path)})"),
                           f": {field.why}; tenants may set only {shown}, anything else {hint}", ADMINS, ")")
    return {"expression": expression, "messageExpression": message, "reason": "Forbidden"}


def _tree_validations(base: str, tree: Tree, why: str, prefix: str = "") -> list[dict[str, str]]:
    """One check per tree node: the keys present under it are among the allowed ones."""
    path = f"{base}.{prefix}" if prefix else base
    allowed = sorted(tree)
    node = _cel_path(path)
    listed = "[" + ", ".join(f"'{k}'" for k in allowed) + "]"
    out = [{
        "expression": f"!({_has_chain(path)}) || {node}.all(k, k in {listed})",
        "messageExpression": _message(
            f"spec.{path}: ", Cel(f"{node}.filter(k, !(k in {listed})).join(', ')"),
            f" may not be set by a tenant ({why}); tenants may set {', '.join(allowed)} here; anything else only "
            "a platform admin (a request in an admin namespace: ", ADMINS, ")"),
        "reason": "Forbidden"}]
    for key, below in sorted(tree.items()):
        if isinstance(below, dict):
            out += _tree_validations(base, below, why, f"{prefix}.{key}" if prefix else key)
    return out


def _identity_validations() -> list[dict[str, str]]:
    out = []
    for field, what in (("targetNamespace", "the host namespace"), ("projectName", "the ArgoCD AppProject")):
        value = f"object.spec.{field}"
        out.append({
            "expression": f"!has({value}) || {value} == object.spec.name || {value} == 'vcluster-' + object.spec.name",
            "messageExpression": _message(
                f"spec.{field}: ", Cel(value), f": {what} of a tenant is its own: ", Cel("object.spec.name"),
                " or vcluster-", Cel("object.spec.name"), "; any other only a platform admin may set (a request in "
                "an admin namespace: ", ADMINS, ")"),
            "reason": "Forbidden"})
    return out


def _egress_validations() -> list[dict[str, str]]:
    egress = "object.spec.networkPolicies.extraEgress"
    wide = f"{egress}.filter(e, cidr(e.cidr).prefixLength() < {TENANT_EGRESS_MIN_PREFIX})"
    return [{
        "expression": f"!({_has_chain('networkPolicies.extraEgress')}) || {wide}.size() == 0",
        "messageExpression": _message(
            "spec.networkPolicies.extraEgress: ", Cel(f"{wide}.map(e, e.name + ' ' + e.cidr).join(', ')"),
            f": a tenant may open egress to /{TENANT_EGRESS_MIN_PREFIX} or narrower; wider only a platform admin "
            "(a request in an admin namespace: ", ADMINS, ")"),
        "reason": "Forbidden"}]


def _label_validations(reserved_labels: tuple[str, ...]) -> list[dict[str, str]]:
    labels = "[" + ", ".join(f"'{k}'" for k in reserved_labels) + "]"
    path = "integrations.argocd.clusterLabels"
    return [{
        "expression": f"!({_has_chain(path)}) || !{_cel_path(path)}.exists(k, k in {labels})",
        "messageExpression": _message(f"spec.{path}: ", Cel(f"{_cel_path(path)}.filter(k, k in {labels}).join(', ')"),
                                      ": the platform sets these labels on every cluster secret (its ApplicationSets "
                                      "select on them); choose other keys"),
        "reason": "Forbidden"}]


def _hostname_validations() -> list[dict[str, str]]:
    """A tenant's API hostname is its own name under the platform's base domain (external-dns publishes it:
    another name would take over a platform or another tenant's DNS record), and a tenant does not move its
    default hostname to another domain."""
    own = Cel("object.spec.name + '.' + params.data.baseDomain")
    host = "object.spec.exposure.hostname"
    annotation = f"object.metadata.annotations['{BASE_DOMAIN_ANNOTATION}']"
    return [{
        "expression": f"!({_has_chain('exposure.hostname')}) || {host} == {own} || {host}.endsWith('.' + {own})",
        "messageExpression": _message("spec.exposure.hostname: ", Cel(host), ": a tenant's API hostname is ", own,
                                      " or a name under it; any other only a platform admin may set (a request in "
                                      "an admin namespace: ", ADMINS, ")"),
        "reason": "Forbidden",
    }, {
        "expression": f"!has(object.metadata.annotations) || !('{BASE_DOMAIN_ANNOTATION}' in "
                      f"object.metadata.annotations) || {annotation} == '' || {annotation} == params.data.baseDomain",
        "messageExpression": _message(f"metadata.annotations.{BASE_DOMAIN_ANNOTATION}: ", Cel(annotation),
                                      ": a tenant may only opt out (empty) or name the platform's base domain ",
                                      Cel("params.data.baseDomain")),
        "reason": "Forbidden",
    }]


def _annotation(obj: str) -> str:
    """The base-domain annotation of `obj`, '' when absent."""
    annotations = f"{obj}.metadata.annotations"
    return (f"(has({annotations}) && '{BASE_DOMAIN_ANNOTATION}' in {annotations} ? "
            f"{annotations}['{BASE_DOMAIN_ANNOTATION}'] : '')")


def admission_policy(reserved_labels: tuple[str, ...]) -> dict[str, Any]:
    validations = ([_admin_only_validation(f) for f in ADMIN_ONLY]
                   + [v for f in VALUE_PATHS for v in _tree_validations(f.path, f.tree, f.why)]
                   + _identity_validations() + _egress_validations() + _label_validations(reserved_labels)
                   + _hostname_validations())
    return {
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": POLICY_NAME},
        "spec": {
            "failurePolicy": "Fail",
            "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
            "matchConstraints": {"resourceRules": [{
                "apiGroups": [API_GROUP], "apiVersions": ["*"], "operations": ["CREATE", "UPDATE"],
                "resources": ["vclusterorchestratorv2s"]}]},
            "matchConditions": [
                {"name": "tenant-requests",
                 "expression": "!(request.namespace in params.data.adminNamespaces.split(','))"},
                # Kratix and the finalizer machinery update requests too: only a change of spec (or of the
                # base-domain annotation) is judged, so a request admitted under an older policy is never stuck.
                {"name": "spec-changes",
                 "expression": "request.operation == 'CREATE' || object.spec != oldObject.spec || "
                               f"{_annotation('object')} != {_annotation('oldObject')}"}],
            "validations": validations,
        },
    }


def admission_binding() -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": POLICY_NAME},
        "spec": {"policyName": POLICY_NAME, "validationActions": ["Deny"],
                 "paramRef": {"name": TRUST_CONFIGMAP, "namespace": TRUST_NAMESPACE,
                              "parameterNotFoundAction": "Deny"}},
    }


def trust_configmap(base_domain: str, admin_namespaces: tuple[str, ...] = ADMIN_NAMESPACES) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": TRUST_CONFIGMAP, "namespace": TRUST_NAMESPACE},
            "data": {"adminNamespaces": ",".join(admin_namespaces), "baseDomain": base_domain}}


def admission_objects(reserved_labels: tuple[str, ...], base_domain: str) -> list[dict[str, Any]]:
    """The ConfigMap naming the admin namespaces and the base domain, the policy and its binding, in the order
    to apply them."""
    return [trust_configmap(base_domain), admission_policy(reserved_labels), admission_binding()]


def trust_table() -> str:
    """The README's table of what only a platform admin may set, from the declarations above."""
    rows = ["| `spec.` field | a tenant may set | why it crosses the boundary |", "|---|---|---|"]
    for field in ADMIN_ONLY:
        allowed = ", ".join(f"`{str(v).lower() if isinstance(v, bool) else v}`" for v in field.tenant_values)
        rows.append(f"| `{field.path}` | {allowed or 'nothing'} | {field.why} |")
    for paths in VALUE_PATHS:
        allowed = "<br>".join(f"`{p}`" for p in tree_paths(paths.tree))
        rows.append(f"| `{paths.path}` | only values under {allowed} | {paths.why} |")
    rows.append("| `targetNamespace`, `projectName` | `<name>` or `vcluster-<name>` | another tenant's or a shared "
                "namespace, another tenant's AppProject |")
    rows.append(f"| `networkPolicies.extraEgress[].cidr` | /{TENANT_EGRESS_MIN_PREFIX} or narrower | egress to "
                "wide ranges of the LAN |")
    rows.append("| `exposure.hostname`; annotation `platform.integratn.tech/base-domain` | `<name>.<base domain>` or "
                "a name under it; the annotation empty or the base domain | external-dns publishes the hostname: "
                "another would take over the platform's or another tenant's DNS name |")
    return "\n".join(rows)
