"""`validate`: requests against the model and rendered manifests against their schemas, every problem listed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InvalidRequest, RenderInvariantError
from .manifests import ORCHESTRATOR_KIND, VCLUSTER_CHART, Document, chart_sources, read_documents, shape_problems
from .models.effective import SUPPORTED_CHART_LINES
from .policy import object_problems
from .schema_store import UnknownKind, describe, validate_helm_values, validate_object


@dataclass(frozen=True)
class Problem:
    source: str
    subject: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        level = "warning" if self.warning else "error"
        return f"{self.source}: {self.subject}: {level}: {self.message}"


def _helm_values_problems(obj: dict[str, Any]) -> list[str]:
    """An Application of the vcluster chart: its values against that chart line's values schema."""
    problems = []
    for where, source in chart_sources(obj):
        helm = source.get("helm") or {}
        if source.get("chart") != VCLUSTER_CHART or not isinstance(helm.get("valuesObject"), dict):
            continue
        line = ".".join(str(source.get("targetRevision", "")).split(".")[:2])
        schema = SUPPORTED_CHART_LINES.get(line)
        if schema is None:
            problems.append(f"{where}.targetRevision: no values schema for chart {source.get('targetRevision')} "
                            f"(known lines: {', '.join(SUPPORTED_CHART_LINES)})")
            continue
        problems += [f"{where}.helm.valuesObject.{p.path}: {p.message}"
                     for p in validate_helm_values(helm["valuesObject"], schema, "values")]
    return problems


def _document_problems(document: Document) -> list[Problem]:
    obj = document.obj
    shape = shape_problems(document)
    if shape:
        return [Problem(document.source, "<document>", str(p).removeprefix(document.source + ": ")) for p in shape]
    subject = describe(obj)
    if obj.get("kind") == ORCHESTRATOR_KIND:
        from .pipeline.checks import reference_warnings
        from .pipeline.configure import render_request

        try:
            settings, objects = render_request(obj)
        except InvalidRequest as exc:
            return [Problem(document.source, subject, str(p)) for p in exc.problems]
        except RenderInvariantError as exc:
            return [Problem(document.source, subject, f"renderer bug, please report: {exc}")]
        return [Problem(document.source, subject, w, warning=True) for w in reference_warnings(settings, objects)]
    # a Promise is installed by the platform team, not written by a pipeline: the output gate does not apply
    gated = [] if obj.get("kind") == "Promise" else object_problems(obj)
    problems = [Problem(document.source, subject, p.removeprefix(subject + ": ")) for p in gated]
    try:
        problems += [Problem(document.source, subject, f"{p.path or '<root>'}: {p.message}")
                     for p in validate_object(obj)]
    except UnknownKind as exc:
        problems.append(Problem(document.source, subject, f"not checked: no schema known for {exc}", warning=True))
    problems += [Problem(document.source, subject, p) for p in _helm_values_problems(obj)]
    if obj.get("kind") == "Promise":
        from .kratix_pipeline import pipeline_problems

        problems += [Problem(document.source, subject, p) for p in pipeline_problems(obj)]
    return problems


def validate_paths(paths: list[Path]) -> tuple[int, list[Problem]]:
    """(documents checked, problems) for every YAML document under `paths`."""
    checked, problems = 0, []
    for path in paths:
        try:
            documents = read_documents(path)
        except InvalidRequest as exc:
            problems += [Problem(p.path, "<file>", p.message) for p in exc.problems]
            continue
        checked += len(documents)
        for document in documents:
            problems += _document_problems(document)
    return checked, problems
