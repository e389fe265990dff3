"""Reading requests and rendered manifests from files and directories (the CLI's I/O edge)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import MISSING, InvalidRequest, Problem
from .yamlio import load_all_strict, read_text

ORCHESTRATOR_KIND = "VClusterOrchestratorV2"
VCLUSTER_CHART = "vcluster"
ARGOCD_REQUEST_KINDS = frozenset({"ArgoCDProject", "ArgoCDApplication"})
YAML_SUFFIXES = (".yaml", ".yml")

ObjectKey = tuple[str, str, str, str]


@dataclass(frozen=True)
class Document:
    """One YAML document and where it came from."""

    source: str
    obj: Any

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind")) if isinstance(self.obj, dict) else ""


def yaml_files(path: Path) -> list[Path]:
    """The file itself, or every *.yaml/*.yml file below a directory (sorted)."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
    raise InvalidRequest([Problem(str(path), MISSING, "no such file or directory")])


def read_documents(path: Path) -> list[Document]:
    """Every YAML document under `path`, each labelled `file` or `file#N` when a file holds several."""
    documents = []
    for file in yaml_files(path):
        docs = load_all_strict(read_text(file), str(file))
        for index, obj in enumerate(docs, start=1):
            documents.append(Document(f"{file}#{index}" if len(docs) > 1 else str(file), obj))
    return documents


def object_key(obj: dict[str, Any]) -> ObjectKey:
    meta = obj.get("metadata") or {}
    return (str(obj.get("apiVersion", "")), str(obj.get("kind", "")), str(meta.get("namespace") or ""),
            str(meta.get("name", "")))


def key_text(key: ObjectKey) -> str:
    api_version, kind, namespace, name = key
    return f"{kind} {namespace + '/' if namespace else ''}{name} ({api_version})"


def chart_sources(app: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(field path, source) of an Application's `spec.source` or each of its `spec.sources`."""
    spec = app.get("spec")
    if not isinstance(spec, dict):
        return []
    if isinstance(spec.get("source"), dict):
        return [("spec.source", spec["source"])]
    return [(f"spec.sources[{i}]", s) for i, s in enumerate(spec.get("sources") or []) if isinstance(s, dict)]


def render_document(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """What the pipelines render for one request (raises InvalidRequest for bad input)."""
    if obj.get("kind") in ARGOCD_REQUEST_KINDS:
        from .pipeline.argocd import render_argocd_request

        return [render_argocd_request(obj)]
    from .pipeline.configure import render_request

    return render_request(obj)[1]


def objects_of(path: Path) -> list[dict[str, Any]]:
    """A request file is rendered; a directory (or a file of other objects) is read as rendered objects."""
    documents = read_documents(path)
    if path.is_file() and len(documents) == 1 and isinstance(documents[0].obj, dict) and (
            documents[0].kind == ORCHESTRATOR_KIND or documents[0].kind in ARGOCD_REQUEST_KINDS
            or ("spec" in documents[0].obj and "apiVersion" not in documents[0].obj)):
        return render_document(documents[0].obj)
    documents = [d for d in documents if d.obj is not None]  # empty documents (a stray `---`) say nothing
    problems = [p for d in documents for p in shape_problems(d)]
    if problems:
        raise InvalidRequest(problems)
    return [d.obj for d in documents]


def shape_problems(document: Document) -> list[Problem]:
    """What keeps a document from being read as a Kubernetes object (a status file, with no kind, may pass)."""
    obj = document.obj
    if not isinstance(obj, dict):
        return [Problem("", obj, "expected a Kubernetes object (a YAML mapping)", subject=document.source)]
    problems = [Problem(key, obj[key], "must be a string", subject=document.source)
                for key in ("apiVersion", "kind") if key in obj and not isinstance(obj[key], str)]
    if "metadata" in obj and not isinstance(obj["metadata"], dict):
        problems.append(Problem("metadata", obj["metadata"], "must be a mapping", subject=document.source))
    return problems


def with_promise_outputs(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects plus what the argocd-* promises render for the requests among them."""
    from .pipeline.argocd import render_argocd_request

    return objects + [render_argocd_request(o) for o in objects if o.get("kind") in ARGOCD_REQUEST_KINDS]
