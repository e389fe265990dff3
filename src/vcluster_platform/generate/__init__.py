"""`make generate` (`python -m vcluster_platform.generate`): build time, never at run time. Writes every
generated artifact from the typed models and the upstream schemas: the request schemas, the promise files and
their admission policy (promises.py), and the README's generated tables.

Run with `--check` to fail (exit 1) when a checked-in file differs from a fresh generation.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml

from platform_common.crdgen import strict_schema
from platform_common.generate import REPO, write_or_check

SCHEMA_OUT = Path(__file__).resolve().parents[1] / "schemas"
KUBERNETES_VERSION = "1.34.0"
CORE_KINDS = {
    "v1/Namespace": "io.k8s.api.core.v1.Namespace",
    "v1/ConfigMap": "io.k8s.api.core.v1.ConfigMap",
    "v1/ServiceAccount": "io.k8s.api.core.v1.ServiceAccount",
    "v1/ResourceQuota": "io.k8s.api.core.v1.ResourceQuota",
    "v1/LimitRange": "io.k8s.api.core.v1.LimitRange",
    "v1/PersistentVolume": "io.k8s.api.core.v1.PersistentVolume",
    "rbac.authorization.k8s.io/v1/Role": "io.k8s.api.rbac.v1.Role",
    "rbac.authorization.k8s.io/v1/RoleBinding": "io.k8s.api.rbac.v1.RoleBinding",
    "batch/v1/Job": "io.k8s.api.batch.v1.Job",
    "batch/v1/CronJob": "io.k8s.api.batch.v1.CronJob",
    "v1/PersistentVolumeClaim": "io.k8s.api.core.v1.PersistentVolumeClaim",
    "networking.k8s.io/v1/NetworkPolicy": "io.k8s.api.networking.v1.NetworkPolicy",
}
UPSTREAM_CRDS = {
    "argocd/application-crd.yaml": "crd-argocd-application.json",
    "argocd/appproject-crd.yaml": "crd-argocd-appproject.json",
    "external-secrets/external-secrets.io_externalsecrets.yaml": "crd-externalsecret.json",
    "cert-manager/cert-manager.io_certificates.yaml": "crd-certificate.json",
    "cert-manager/cert-manager.io_issuers.yaml": "crd-issuer.json",
    "cilium/ciliumnetworkpolicies.yaml": "crd-ciliumnetworkpolicy.json",
    "gateway-api/standard.gateway.networking.k8s.io_tlsroutes.yaml": "crd-tlsroute.json",
    "gateway-api/standard.gateway.networking.k8s.io_httproutes.yaml": "crd-httproute.json",
    "kratix/platform.kratix.io_promises.yaml": "crd-kratix-promise.json",
}
VALUES_SCHEMAS = ("0.30.4", "0.31.1", "0.33.4")


def shared_dir() -> Path:
    return Path(os.environ.get("SHARED_DIR", REPO.parent / "shared")).resolve()


_GO_UNICODE_CLASS = re.compile(r"\\([pP])([A-Z])")


def portable_patterns(node: Any) -> Any:
    """Go's one-letter Unicode classes (`\\PC`) spelled as the validator's regex engine reads them (`\\P{C}`)."""
    if isinstance(node, list):
        return [portable_patterns(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: portable_patterns(v) for k, v in node.items()}
    if isinstance(out.get("pattern"), str):
        out["pattern"] = _GO_UNICODE_CLASS.sub(r"\\\1{\2}", out["pattern"])
    return out


def storage_schema(crd: dict[str, Any]) -> tuple[str, Any]:
    """(apiVersion/kind, strict openAPIV3Schema) of a CRD's storage version."""
    version = next(v for v in crd["spec"]["versions"] if v.get("storage"))
    key = f"{crd['spec']['group']}/{version['name']}/{crd['spec']['names']['kind']}"
    return key, strict_schema(portable_patterns(version["schema"]["openAPIV3Schema"]))


def _kubernetes_kind_schemas() -> dict[str, dict[str, Any]]:
    """apiVersion/kind → a self-contained schema of that core kind (only the definitions it reaches), so that a
    render loads and compiles just the kinds it produces."""
    import kubernetes_validate

    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{KUBERNETES_VERSION}-local-strict"
    defs = json.loads((base / "_definitions.json").read_text())["$defs"]
    prefix = "/api/_definitions.json#/$defs/"
    source = f"kubernetes-validate {kubernetes_validate.__version__}, Kubernetes v{KUBERNETES_VERSION} strict"

    def reachable(name: str, needed: dict[str, Any]) -> dict[str, Any]:
        if name not in needed:
            text = json.dumps(defs[name]).replace(prefix, "#/definitions/").replace('"#/$defs/', '"#/definitions/')
            needed[name] = json.loads(text)
            for ref in _refs(needed[name]):
                reachable(ref.removeprefix("#/definitions/"), needed)
        return needed

    return {key: {"$comment": source, "$ref": f"#/definitions/{definition}",
                  "definitions": dict(sorted(reachable(definition, {}).items()))}
            for key, definition in CORE_KINDS.items()}


def core_schema_file(key: str) -> str:
    return "core-" + key.replace("/", "-").replace(".", "-").lower() + ".json"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _json(data: Any) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def schema_artifacts() -> dict[Path, str]:
    shared = shared_dir() / "schemas"
    files: dict[Path, str] = {}
    index: dict[str, str] = {}
    for source, target in UPSTREAM_CRDS.items():
        key, schema = storage_schema(yaml.safe_load((shared / source).read_text()))
        files[SCHEMA_OUT / target] = _json(schema)
        index[key] = target
    for version in VALUES_SCHEMAS:
        schema = json.loads((shared / "vcluster" / f"values.schema.{version}.json").read_text())
        files[SCHEMA_OUT / f"vcluster-values-{version}.json"] = _json(schema)
    for key, schema in _kubernetes_kind_schemas().items():
        files[SCHEMA_OUT / core_schema_file(key)] = _json(schema)
        index[key] = core_schema_file(key)
    from .promises import generated_request_schemas, promise_artifacts, request_schema_artifacts

    index.update({key: name for key, (name, _schema) in generated_request_schemas().items()})
    files.update(request_schema_artifacts(SCHEMA_OUT))
    files.update(promise_artifacts())
    files[SCHEMA_OUT / "crd-index.json"] = _json(dict(sorted(index.items())))
    files[SCHEMA_OUT / "request-table.json"] = _json(_request_table())
    files.update(readme_artifact())
    return files


def _request_table() -> dict[str, Any]:
    from ..models.request import VClusterOrchestratorV2Spec
    from ..models.request_table import request_table

    return request_table(VClusterOrchestratorV2Spec)


README = REPO / "README.md"


def platform_settings_table() -> str:
    """The README's table of platform-level settings, from the one place they are declared."""
    from ..models.platform import PLATFORM_ENV, PlatformSettings, env_text

    defaults = PlatformSettings()
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, (attr, _kind, help_text) in PLATFORM_ENV.items():
        value = env_text(getattr(defaults, attr)).replace("|", "\\|")
        shown = f"`{value}`" if value and len(value) <= 60 else ("(empty)" if not value else "see promise.yaml")
        rows.append(f"| `{variable}` | {shown} | {help_text} |")
    return "\n".join(rows)


def request_settings_table() -> str:
    """The README's table of request settings: path, default, dev and prod values, from the settings table."""
    from ..models.settings_table import UNSET, all_settings, declared_settings

    # the declarations of the models as they are now, not of the table on disk, so one run converges
    table = all_settings(declared_settings(_request_table()))

    def cell(value: object) -> str:
        if value is UNSET or value is None:
            return ""
        if value == "":
            return "(empty)"
        return f"`{str(value).lower() if isinstance(value, bool) else value}`"

    rows = ["| `spec.` setting | default | dev | prod | meaning |", "|---|---|---|---|---|"]
    for s in table:
        default = f"{cell(s.default)} ({s.derived})" if s.derived and s.default is not UNSET else \
            (s.derived if s.derived else cell(s.default))
        rows.append(f"| `{s.path}` | {default} | {cell(s.dev)} | {cell(s.prod)} | {s.help} |")
    return "\n".join(rows)


def trust_model_table() -> str:
    from ..trust import trust_table

    return trust_table()


GENERATED_SECTIONS = {"platform-settings": platform_settings_table, "request-settings": request_settings_table,
                      "trust-model": trust_model_table}


def readme_artifact() -> dict[Path, str]:
    """README with each `<!-- name:begin -->…<!-- name:end -->` section written from its table."""
    text = README.read_text(encoding="utf-8")
    for name, table in GENERATED_SECTIONS.items():
        begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
        head, found, rest = text.partition(begin)
        _old, found_end, tail = rest.partition(end)
        if not (found and found_end):
            raise SystemExit(f"README.md lost its generated section markers {begin} … {end}")
        text = f"{head}{begin}\n{table()}\n{end}{tail}"
    return {README: text}


def main(argv: list[str] | None = None) -> int:
    return write_or_check(argv, schema_artifacts, __doc__ or "")

