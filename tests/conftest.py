"""Shared helpers: example requests, the shared/ folder, and running the real pipeline on a Kratix tree."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SHARED_DIR", REPO.parent / "shared")).resolve()
ORCHESTRATOR_EXAMPLES = sorted((REPO / "promises" / "vcluster-orchestrator-v2" / "examples").glob("*.yaml"))
ARGOCD_EXAMPLES = sorted((REPO / "promises").glob("argocd-*/examples/*.yaml"))


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def request(name: str = "demo", **spec: Any) -> dict[str, Any]:
    """A VClusterOrchestratorV2 document with the given spec fields."""
    return {
        "apiVersion": "platform.integratn.tech/v1alpha1",
        "kind": "VClusterOrchestratorV2",
        "metadata": {"name": name, "namespace": "platform-requests"},
        "spec": {"name": name, **spec},
    }


def rendered_objects(output_dir: Path) -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text()) for p in sorted((output_dir / "output").rglob("*.yaml"))]


@pytest.fixture
def render(tmp_path: Path) -> Any:
    """render(doc_or_text) → (exit code, output dir) through the CLI's real pipeline entry point."""
    from vcluster_platform.cli import render_to

    counter = iter(range(10_000))

    def _render(doc: Any) -> tuple[int, Path]:
        index = next(counter)
        source = tmp_path / f"request-{index}.yaml"
        source.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
        out = tmp_path / f"out-{index}"
        return render_to(source, out), out

    return _render


# --- real servers (tools/testenv): started once per session, on first use, and always stopped ---------------

REAL_API_FIXTURES = {"kube_cluster", "vcsim_factory", "etcd_binaries", "promtool_binary", "helm_binary"}
SKIP_REAL_API = os.environ.get("SKIP_REAL_API") == "1"


@pytest.hookimpl(tryfirst=True)  # before `-m` deselection reads the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that use a real server are marked `realapi`, those of tests/images `images`; SKIP_REAL_API=1 skips
    both (local loop only)."""
    for item in items:
        if REPO / "tests" / "images" in item.path.parents:
            item.add_marker(pytest.mark.images)
            if SKIP_REAL_API:
                item.add_marker(pytest.mark.skip(reason="SKIP_REAL_API=1"))
        if REAL_API_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.realapi)
            if SKIP_REAL_API:
                item.add_marker(pytest.mark.skip(reason="SKIP_REAL_API=1"))


@pytest.fixture(scope="session")
def etcd_binaries() -> dict[str, Path]:
    """etcd, etcdctl and etcdutl built from the Go module proxy (tools/testenv)."""
    from testenv.processes import binary

    return {name: binary(name) for name in ("etcd", "etcdctl", "etcdutl")}


@pytest.fixture(scope="session")
def helm_binary() -> Path:
    """helm built from helm.sh/helm/v4 (tools/testenv)."""
    from testenv.processes import binary

    return binary("helm")


@pytest.fixture(scope="session")
def promtool_binary() -> Path:
    """promtool built from github.com/prometheus/prometheus (tools/testenv)."""
    from testenv.processes import binary

    return binary("promtool")


@pytest.fixture(scope="session")
def kube_cluster(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """etcd + kube-apiserver with RBAC, an admin client and a way to mint least-privileged identities."""
    from testenv.cluster import start_cluster

    cluster = start_cluster(tmp_path_factory.mktemp("kube"))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def vcsim_factory(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """start(name, **inventory) → a running vCenter simulator; all are stopped at the end of the session."""
    from testenv.vcsim import VCenter, start_vcsim

    work = tmp_path_factory.mktemp("vcsim")
    started: list[VCenter] = []

    def start(name: str, **inventory: Any) -> VCenter:
        vcenter = start_vcsim(work, name, **inventory)
        started.append(vcenter)
        return vcenter

    try:
        yield start
    finally:
        for vcenter in started:
            vcenter.stop()
