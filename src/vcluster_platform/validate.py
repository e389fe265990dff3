"""`validate`: requests against the model and rendered manifests against their schemas, every problem listed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import NOT_APPLICABLE, SCHEMA, InvalidRequest, Problem, RenderInvariantError, describe
from .manifests import ORCHESTRATOR_KIND, VCLUSTER_CHART, Document, chart_sources, read_documents, shape_problems
from .models.effective import SUPPORTED_CHART_LINES, chart_schema_version
from .policy import object_problems
from .schema_store import UnknownKind, validate_helm_values, validate_object


@dataclass(frozen=True)
class Finding:
    """A problem found in a file: an error, or a warning (checked as far as possible)."""

    file: str
    problem: Problem
    warning: bool = False

    @property
    def level(self) -> str:
        return "warning" if self.warning else "error"

    def __str__(self) -> str:
        return f"{self.file}: {self.problem.subject or '<document>'}: {self.level}: {self.problem.text()}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "level": self.level, **self.problem.as_dict()}


def _helm_values_problems(obj: dict[str, Any], subject: str) -> list[Problem]:
    """An Application of the vcluster chart: its values against that chart line's values schema."""
    problems = []
    for where, source in chart_sources(obj):
        helm = source.get("helm") or {}
        if source.get("chart") != VCLUSTER_CHART or not isinstance(helm.get("valuesObject"), dict):
            continue
        schema = chart_schema_version(str(source.get("targetRevision", "")))
        if not schema:
            known = ", ".join(SUPPORTED_CHART_LINES)
            problems.append(Problem(f"{where}.targetRevision", source.get("targetRevision"),
                                    f"no values schema for this chart (known lines: {known})", SCHEMA, subject))
            continue
        problems += [Problem(f"{where}.helm.valuesObject.{p.path}", p.value, p.message, SCHEMA, subject, p.keys)
                     for p in validate_helm_values(helm["valuesObject"], schema, "values")]
    return problems


def _request_findings(file: str, obj: dict[str, Any], subject: str) -> list[Finding]:
    """A request: rendered as the pipeline renders it; its problems, or the render's warnings."""
    from .pipeline.checks import etcd_auth_warnings, reference_warnings
    from .pipeline.configure import render_request

    try:
        settings, objects = render_request(obj)
    except InvalidRequest as exc:
        return [Finding(file, replace(p, subject=subject)) for p in exc.problems]
    except RenderInvariantError as exc:
        return [Finding(file, Problem("", NOT_APPLICABLE, f"renderer bug, please report: {exc}", subject=subject))]
    return [Finding(file, Problem("", NOT_APPLICABLE, w, subject=subject), warning=True)
            for w in reference_warnings(settings, objects) + etcd_auth_warnings(settings)]


def _document_problems(document: Document) -> list[Finding]:
    obj, file = document.obj, document.source
    shape = shape_problems(document)
    if shape:
        return [Finding(file, replace(p, subject="<document>")) for p in shape]
    subject = describe(obj)
    if obj.get("kind") == ORCHESTRATOR_KIND:
        return _request_findings(file, obj, subject)
    # a Promise is installed by the platform team, not written by a pipeline: the output gate does not apply
    problems = [] if obj.get("kind") == "Promise" else object_problems(obj)
    findings = []
    try:
        problems += validate_object(obj)
    except UnknownKind as exc:
        findings.append(Finding(file, Problem("", NOT_APPLICABLE, f"not checked: no schema known for {exc}",
                                              SCHEMA, subject), warning=True))
    problems += _helm_values_problems(obj, subject)
    if obj.get("kind") == "Promise":
        from .pipeline.kratix_schema import pipeline_problems

        problems += [Problem("", NOT_APPLICABLE, p, SCHEMA, subject) for p in pipeline_problems(obj)]
    return [Finding(file, p) for p in problems] + findings


def validate_paths(paths: list[Path]) -> tuple[int, list[Finding]]:
    """(documents checked, problems) for every YAML document under `paths`."""
    checked, problems = 0, []
    for path in paths:
        try:
            documents = read_documents(path)
        except InvalidRequest as exc:
            problems += [Finding(p.path, replace(p, path="", subject="<file>")) for p in exc.problems]
            continue
        checked += len(documents)
        for document in documents:
            problems += _document_problems(document)
    return checked, problems
