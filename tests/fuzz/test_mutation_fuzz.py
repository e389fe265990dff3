"""Mutation fuzzing of every entry point that reads user input, from the examples and the real requests.

Every outcome is exit 0 with valid output, or a refusal that names the field path (exit 2; `validate`,
`diff` and `migrate check` use 1 for "found problems") with nothing written. Never exit 3 (the output gate
caught what request validation should have), never 1 for a bad request, never a traceback. Seeded and
reproducible: FUZZ_SEED and FUZZ_CASES (printed) choose the run; `make fuzz` runs many more cases. A failure
prints the smallest failing set of mutations and the input.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import traceback
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ARGOCD_EXAMPLES, ORCHESTRATOR_EXAMPLES, SHARED, load
from fuzz.mutate import Mutation, apply, random_mutation, semantic_mutation
from vcluster_platform.cli import main, render_to
from vcluster_platform.policy import gate

SEED = int(os.environ.get("FUZZ_SEED", "20261126"))
CASES = int(os.environ.get("FUZZ_CASES", "2100"))
RUNNING = SHARED / "examples" / "real" / "vcluster-media-running"
REAL = SHARED / "examples" / "real" / "vcluster-media.yaml"
ORCHESTRATOR_SEEDS = [*ORCHESTRATOR_EXAMPLES, REAL]


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def _call(argv: list[str]) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
        except Exception:  # noqa: BLE001 - an escaped exception is the finding
            code = -1
            err.write("Traceback (escaped the entry point)\n" + traceback.format_exc())
    return Outcome(code, out.getvalue(), err.getvalue())


def _render(path: Path, work: Path, action: str = "configure") -> tuple[Outcome, Path]:
    target = work / "out"
    shutil.rmtree(target, ignore_errors=True)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = render_to(path, target, action)
        except Exception:  # noqa: BLE001 - an escaped exception is the finding
            code = -1
            err.write("Traceback (escaped the entry point)\n" + traceback.format_exc())
    return Outcome(code, out.getvalue(), err.getvalue()), target


def _refusal_problem(outcome: Outcome) -> str | None:
    """A refusal must list each problem with where it is; None when it does."""
    lines = [line for line in outcome.err.splitlines() if line.startswith("  - ")]
    if "invalid request" not in outcome.err or not lines:
        return "exit 2 without the problem list"
    for line in lines:
        if ": " not in line:
            return f"a problem without a field path: {line}"
    return None


def _written(target: Path) -> list[Path]:
    return sorted((target / "output").rglob("*")) if (target / "output").exists() else []


def check_render(path: Path, work: Path) -> str | None:
    outcome, target = _render(path, work)
    if outcome.code == 0:
        objects = [yaml.safe_load(p.read_text()) for p in _written(target) if p.is_file()]
        problems = gate(objects)
        return f"exit 0 but the output breaks the gate: {problems[:2]}" if problems or not objects else None
    if outcome.code == 2:
        if _written(target):
            return "exit 2 but files were written"
        status = (target / "metadata" / "status.yaml")
        if not status.exists() or "phase: Failed" not in status.read_text():
            return "exit 2 without a Failed status"
        return _refusal_problem(outcome)
    return f"exit {outcome.code}: {outcome.err[-400:]}"


def check_delete(path: Path, work: Path) -> str | None:
    outcome, _target = _render(path, work, "delete")
    if outcome.code == 0:
        return None
    if outcome.code == 2:
        return _refusal_problem(outcome)
    return f"exit {outcome.code}: {outcome.err[-400:]}"


def _cli_check(argv: list[str], ok: tuple[int, ...]) -> str | None:
    outcome = _call(argv)
    if "Traceback" in outcome.err + outcome.out:
        return "traceback: " + outcome.err[-400:]
    if "renderer bug" in outcome.out or "internal error" in outcome.err:
        return "the output gate fired first: " + (outcome.out + outcome.err)[-400:]
    if outcome.code not in ok:
        return f"exit {outcome.code}: {outcome.err[-400:]}"
    if outcome.code == 2:
        return _refusal_problem(outcome)
    return None


ENTRY_POINTS: dict[str, tuple[list[Path], Callable[[Path, Path, Path], str | None]]] = {
    "render (configure pipeline)": (ORCHESTRATOR_SEEDS, lambda p, seed, work: check_render(p, work)),
    "delete pipeline": (ORCHESTRATOR_SEEDS, lambda p, seed, work: check_delete(p, work)),
    "argocd pipelines": (ARGOCD_EXAMPLES, lambda p, seed, work: check_render(p, work)),
    "argocd delete pipelines": (ARGOCD_EXAMPLES, lambda p, seed, work: check_delete(p, work)),
    "validate": (ORCHESTRATOR_SEEDS + ARGOCD_EXAMPLES, lambda p, seed, work: _cli_check(["validate", str(p)],
                                                                                          (0, 1, 2))),
    "explain": (ORCHESTRATOR_SEEDS, lambda p, seed, work: _cli_check(["explain", str(p)], (0, 2))),
    "diff": (ORCHESTRATOR_SEEDS + ARGOCD_EXAMPLES,
             lambda p, seed, work: _cli_check(["diff", str(seed), str(p), "--color", "never"], (0, 1, 2))),
    "migrate check": (ORCHESTRATOR_SEEDS, lambda p, seed, work: _cli_check(
        ["migrate", "check", "--v1", str(RUNNING), "--v2", str(p)], (0, 1, 2))),
}


class _NoVolumes:
    def list_persistent_volume(self, label_selector: str) -> Any:
        return type("List", (), {"items": []})()

    def delete_persistent_volume(self, name: str) -> None:  # pragma: no cover - nothing is listed
        raise AssertionError(name)


def _run_case(entry: str, seed_path: Path, mutations: list[Mutation], work: Path) -> str | None:
    doc = apply(load(seed_path), mutations)
    path = work / "request.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    return ENTRY_POINTS[entry][1](path, seed_path, work)


def _shrink(entry: str, seed_path: Path, mutations: list[Mutation], work: Path) -> list[Mutation]:
    for m in mutations:
        if _run_case(entry, seed_path, [m], work):
            return [m]
    return mutations


def test_mutated_requests_never_crash_an_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vcluster_platform.pipeline.delete.kubernetes_volume_api", _NoVolumes)
    rng = random.Random(SEED)
    from fuzz.conftest import RAN

    RAN.append(f"mutation fuzz: FUZZ_SEED={SEED} FUZZ_CASES={CASES} over {len(ENTRY_POINTS)} entry points "
               f"({', '.join(sorted(ENTRY_POINTS))})")
    names = sorted(ENTRY_POINTS)
    seeds = {p: load(p) for entry in names for p in ENTRY_POINTS[entry][0]}
    for case in range(CASES):
        entry = names[case % len(names)]
        seed_path = rng.choice(ENTRY_POINTS[entry][0])
        mutations: list[Mutation] = []
        doc = seeds[seed_path]
        for _ in range(rng.randint(1, 3)):
            mutations.append(random_mutation(rng, apply(doc, mutations)))
        failure = _run_case(entry, seed_path, mutations, tmp_path)
        if failure:
            smallest = _shrink(entry, seed_path, mutations, tmp_path)
            minimal = yaml.safe_dump(apply(doc, smallest), allow_unicode=True, sort_keys=False)
            pytest.fail(f"case {case} (FUZZ_SEED={SEED}), {entry} on {seed_path.name}: {failure}\n"
                        f"mutations: {'; '.join(map(str, smallest))}\nminimal input:\n{minimal[:3000]}")


SEMANTIC_CASES = int(os.environ.get("FUZZ_SEMANTIC_CASES", "240"))


def test_odd_images_and_object_names_are_refused_at_their_field(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The class the output gate used to catch (exit 3) or crash on (a non-string image): odd images in
    helmOverrides, the backing store or an init container, and selector labels naming an issuer or a store
    that are not object names. Each case ends as exit 0 with valid output or a refusal at the field."""
    monkeypatch.setattr("vcluster_platform.pipeline.delete.kubernetes_volume_api", _NoVolumes)
    rng = random.Random(SEED + 1)
    entries = ("render (configure pipeline)", "validate", "explain", "migrate check")
    refused = 0
    for case in range(SEMANTIC_CASES):
        entry, seed_path = entries[case % len(entries)], rng.choice(ORCHESTRATOR_SEEDS)
        mutation = semantic_mutation(rng, load(seed_path))
        failure = _run_case(entry, seed_path, [mutation], tmp_path)
        assert failure is None, f"case {case}, {entry} on {seed_path.name}: {failure}\nmutation: {mutation}"
        refused += entry == "validate" and _call(["validate", str(tmp_path / "request.yaml")]).code != 0
    assert refused > 0  # the class exists in the cases: some of them are refused
