"""The image tier: the three images of ./Dockerfile, built with buildah by `make images` (tools/images/build.sh),
and each entry point run in its image as uid 65532 — the pipelines against a real /kratix tree, the controller's
`--help` and an import of every one of its modules.

buildah runs with chroot isolation (no daemon, no user namespaces) and needs root, as in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ARGOCD_EXAMPLES, ORCHESTRATOR_EXAMPLES, REPO, SHARED

UID = 65532
MIB = 1024 * 1024
# Dockerfile target → (entry point, size limit in bytes)
IMAGES = {
    "vcluster-pipeline": ("vcluster-platform-pipeline", 120 * 1000 * 1000),
    "argocd-pipeline": ("argocd-promise-pipeline", 120 * 1000 * 1000),
    "migration-controller": ("vsphere-migration-controller", 200 * 1000 * 1000),
    "status-reconciler": ("vcluster-status-reconciler", 200 * 1000 * 1000),
}
MEDIA = SHARED / "examples" / "real" / "vcluster-media.yaml"


def buildah(*args: str, check: bool = True, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["buildah", *args], capture_output=True, text=True, check=check, timeout=timeout)


@pytest.fixture(scope="session")
def images() -> dict[str, str]:
    """Builds the images once per session (the base image is cached by its recipe); target → image name."""
    if os.geteuid() != 0:
        pytest.fail("the image tier builds with buildah in chroot isolation and must run as root (as CI does)")
    subprocess.run(["bash", str(REPO / "tools" / "images" / "build.sh")], check=True, timeout=1800)
    listing = subprocess.run([sys.executable, str(REPO / "tools" / "images" / "targets.py")], check=True,
                             capture_output=True, text=True).stdout
    return dict(line.split("|", 1) for line in listing.splitlines())


class Container:
    """A working container of an image; `run` executes a command in it as uid 65532 with /kratix mounted."""

    def __init__(self, image: str, kratix: Path | None = None) -> None:
        self.name = buildah("from", "--pull-never", "--quiet", image).stdout.strip()
        self.kratix = kratix

    def run(self, *command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        args = ["run", "--isolation", "chroot", "--user", f"{UID}:{UID}", "--workingdir", "/"]
        if self.kratix:
            args += ["--volume", f"{self.kratix}:/kratix"]
        for key, value in (env or {}).items():
            args += ["--env", f"{key}={value}"]
        return buildah(*args, self.name, "--", *command, check=False, timeout=300)

    def remove(self) -> None:
        buildah("rm", self.name, check=False)


def image_config(image: str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(buildah("inspect", "--type", "image", image).stdout)["OCIv1"]["config"]
    return config


def image_bytes(image: str) -> int:
    """Apparent size of the image's root file system (what `buildah images` reports, in bytes)."""
    container = Container(image)
    try:
        root = buildah("mount", container.name).stdout.strip()
        total = 0
        for folder, _, files in os.walk(root):
            total += sum(os.lstat(os.path.join(folder, name)).st_size for name in files)
        buildah("umount", container.name)
        return total
    finally:
        container.remove()


@pytest.fixture
def kratix_tree() -> Iterator[Path]:
    """A /kratix tree as Kratix mounts it: input readable, output and metadata writable by uid 65532 only."""
    base = Path(tempfile.mkdtemp(prefix="image-kratix-"))
    root = base / "kratix"
    for sub in ("input", "output", "metadata"):
        (root / sub).mkdir(parents=True)
    for path in (base, root, root / "input"):
        os.chmod(path, 0o755)
    for sub in ("output", "metadata"):
        os.chown(root / sub, UID, UID)
        os.chmod(root / sub, 0o700)
    yield root
    shutil.rmtree(base, ignore_errors=True)


def run_entry_point(image: str, kratix: Path, request: Path | str, action: str = "configure"
                    ) -> subprocess.CompletedProcess[str]:
    target = kratix / "input" / "object.yaml"
    target.write_text(request.read_text() if isinstance(request, Path) else request)
    target.chmod(0o644)
    container = Container(image, kratix)
    try:
        return container.run(*image_config(image)["Entrypoint"], action)
    finally:
        container.remove()


def written(kratix: Path) -> dict[str, bytes]:
    return {str(p.relative_to(kratix / "output")): p.read_bytes() for p in (kratix / "output").rglob("*.yaml")}


@pytest.mark.parametrize("target", sorted(IMAGES))
def test_image_runs_its_entry_point_as_uid_65532_within_its_size(images: dict[str, str], target: str) -> None:
    entry_point, limit = IMAGES[target]
    config = image_config(images[target])
    assert config["User"] == f"{UID}:{UID}"
    assert config["Entrypoint"] == [entry_point]
    assert "PYTHONDONTWRITEBYTECODE=1" in config["Env"]
    size = image_bytes(images[target])
    print(f"\nimage {target}: {images[target]} {size / MIB:.1f} MiB ({size / 1e6:.0f} MB, limit {limit / 1e6:.0f} MB)")
    assert size <= limit


@pytest.mark.parametrize("request_file", [MEDIA, ORCHESTRATOR_EXAMPLES[0]], ids=lambda p: p.stem)
def test_vcluster_pipeline_writes_what_the_core_renders(images: dict[str, str], kratix_tree: Path,
                                                        request_file: Path) -> None:
    from vcluster_platform.pipeline.configure import output_files, render_request

    result = run_entry_point(images["vcluster-pipeline"], kratix_tree, request_file)
    assert result.returncode == 0, result.stderr
    _, objects = render_request(yaml.safe_load(request_file.read_text()))
    assert written(kratix_tree) == output_files(objects)
    status = yaml.safe_load((kratix_tree / "metadata" / "status.yaml").read_text())
    assert status["phase"] == "Scheduled"


@pytest.mark.parametrize("request_file", ARGOCD_EXAMPLES, ids=lambda p: p.stem)
def test_argocd_pipeline_configures_each_promise(images: dict[str, str], kratix_tree: Path,
                                                 request_file: Path) -> None:
    result = run_entry_point(images["argocd-pipeline"], kratix_tree, request_file)
    assert result.returncode == 0, result.stderr
    kinds = {yaml.safe_load(text)["kind"] for text in written(kratix_tree).values()}
    assert kinds & {"AppProject", "Application"}, kinds


def test_a_rejected_request_writes_a_failure_status_and_no_output(images: dict[str, str], kratix_tree: Path) -> None:
    request = yaml.safe_load(ORCHESTRATOR_EXAMPLES[0].read_text())
    request["spec"]["vcluster"] = {"replicas": 42}
    result = run_entry_point(images["vcluster-pipeline"], kratix_tree, yaml.safe_dump(request))
    assert result.returncode == 2, result.stderr
    assert "spec.vcluster.replicas" in result.stderr and "42" in result.stderr
    assert written(kratix_tree) == {}
    status = yaml.safe_load((kratix_tree / "metadata" / "status.yaml").read_text())
    assert status["phase"] == "Failed" and "spec.vcluster.replicas" in status["message"]


CHECK_BYTECODE = """
import pathlib, sys
site = pathlib.Path(sys.prefix, "lib", "python3.11", "site-packages")
missing = [str(p) for p in site.rglob("*.py") if not list(p.parent.glob(f"__pycache__/{p.stem}.cpython-311.pyc"))]
print("\\n".join(missing[:5]))
sys.exit(1 if missing else 0)
"""
WRITE_OUTSIDE = "open('/opt/venv/probe', 'w')"


@pytest.mark.parametrize("target", ["vcluster-pipeline", "migration-controller", "status-reconciler"])
def test_image_needs_no_writable_root(images: dict[str, str], target: str) -> None:
    """All bytecode is there (a read-only root needs no writes), and uid 65532 cannot write the venv anyway."""
    container = Container(images[target])
    try:
        bytecode = container.run("python", "-c", CHECK_BYTECODE)
        assert bytecode.returncode == 0, f"sources without bytecode:\n{bytecode.stdout}{bytecode.stderr}"
        denied = container.run("python", "-c", WRITE_OUTSIDE)
        assert denied.returncode != 0 and "Permission denied" in denied.stderr
    finally:
        container.remove()


def test_pipeline_image_keeps_the_api_client_a_delete_run_needs(images: dict[str, str]) -> None:
    container = Container(images["vcluster-pipeline"])
    try:
        code = "import kratix_sdk, kubernetes.client as c; print(c.CoreV1Api.__name__, kratix_sdk.__name__)"
        result = container.run("python", "-c", code)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["CoreV1Api", "kratix_sdk"]
    finally:
        container.remove()


IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [m.name for m in pkgutil.walk_packages(package.__path__, sys.argv[1] + ".")]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


@pytest.mark.parametrize(("target", "package", "modules"), [
    ("migration-controller", "vsphere_migration", 20),
    ("status-reconciler", "vcluster_status", 8),
])
def test_controller_image_starts_and_imports_every_module(images: dict[str, str], target: str, package: str,
                                                          modules: int) -> None:
    container = Container(images[target])
    try:
        help_text = container.run(IMAGES[target][0], "--help")
        assert help_text.returncode == 0, help_text.stderr
        assert "usage" in help_text.stdout.lower()
        imported = container.run("python", "-c", IMPORT_EVERY_MODULE, package)
        assert imported.returncode == 0, imported.stderr
        assert int(imported.stdout.strip()) >= modules
    finally:
        container.remove()
