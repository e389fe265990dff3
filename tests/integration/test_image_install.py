"""Install the package into a fresh venv exactly as the Dockerfiles do, then run each pipeline entry point
from it as uid 65532 on a Kratix tree whose root is not writable by that user (as with a read-only root FS).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import ARGOCD_EXAMPLES, ORCHESTRATOR_EXAMPLES, REPO

UID = 65532
DOCKERFILES = {
    "vcluster-platform-pipeline": REPO / "promises" / "vcluster-orchestrator-v2" / "Dockerfile",
    "argocd-promise-pipeline": REPO / "promises" / "argocd-project" / "Dockerfile",
}


def test_dockerfiles_follow_the_rules() -> None:
    for entry, dockerfile in DOCKERFILES.items():
        text = dockerfile.read_text()
        stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
        assert len(stages) == 2 and all(":" in s and "latest" not in s for s in stages)
        final = text.split("\nFROM ")[-1]
        assert "USER 65532:65532" in final and f'ENTRYPOINT ["{entry}"]' in final
        assert "pip install" not in final and "apt-get" not in final
        assert "-c requirements-runtime.lock" in text


@pytest.fixture(scope="module")
def image_venv() -> Iterator[Path]:
    # Outside pytest's 0700 temp root so that uid 65532 can reach it.
    base = Path(tempfile.mkdtemp(prefix="image-venv-"))
    os.chmod(base, 0o755)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                    "-c", str(REPO / "requirements-runtime.lock"), str(REPO)], check=True, timeout=600)
    subprocess.run([str(venv / "bin" / "python"), "-m", "compileall", "-q", str(venv)], check=True)
    yield venv
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def public_tmp() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="image-run-"))
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _kratix_tree(base: Path, example: Path) -> Path:
    root = base / "kratix"
    for sub in ("input", "output", "metadata"):
        (root / sub).mkdir(parents=True)
    shutil.copyfile(example, root / "input" / "object.yaml")
    for path in (base, root, root / "input", root / "input" / "object.yaml"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    for sub in ("output", "metadata"):
        os.chown(root / sub, UID, UID)
    return root


@pytest.mark.parametrize("example", [ORCHESTRATOR_EXAMPLES[0], *ARGOCD_EXAMPLES],
                         ids=lambda p: p.stem)
def test_entry_point_runs_from_the_image_venv_as_non_root(image_venv: Path, public_tmp: Path, example: Path) -> None:
    if os.geteuid() != 0:
        pytest.fail("this test switches to uid 65532 and must run as root (as CI does)")
    entry = "argocd-promise-pipeline" if example.parent.parent.name.startswith("argocd") else \
        "vcluster-platform-pipeline"
    root = _kratix_tree(public_tmp, example)
    env = {"PATH": f"{image_venv / 'bin'}:/usr/bin:/bin", "KRATIX_ROOT": str(root), "HOME": "/nonexistent",
           "KRATIX_WORKFLOW_ACTION": "configure", "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups",
                             str(image_venv / "bin" / entry)], env=env, capture_output=True, text=True,
                            timeout=120, cwd="/")
    assert result.returncode == 0, result.stderr
    assert list((root / "output").rglob("*.yaml"))
    assert yaml.safe_load((root / "metadata" / "status.yaml").read_text())["phase"] == "Scheduled"
    assert not [p for p in (root / "metadata").iterdir() if p.name.startswith(".kratix-staging")]
