"""The products share code only through platform_common: no import arrow between them, none out of it.

The status reconciler (vcluster_status) is part of the vCluster product: the pipeline and the CLI use its status
contract, while it imports nothing of vcluster_platform (its image carries neither pydantic nor the renderers)."""

from __future__ import annotations

import ast

import pytest

from conftest import REPO

SRC = REPO / "src"
PRODUCTS = {"vcluster_platform": {"vcluster_status"}, "vcluster_status": set(),
            "vsphere_migration": set()}
SHARED = "platform_common"


def imported_packages(package: str) -> dict[str, set[str]]:
    """Top-level packages each module of `package` imports (relative imports stay inside it)."""
    found: dict[str, set[str]] = {}
    for path in sorted((SRC / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(SRC))] = names
    return found


@pytest.mark.parametrize("package", sorted(PRODUCTS))
def test_a_product_imports_no_other_product(package: str) -> None:
    others = set(PRODUCTS) - {package} - PRODUCTS[package]
    offending = {module: sorted(names & others) for module, names in imported_packages(package).items()
                 if names & others}
    assert offending == {}


def test_the_shared_package_imports_no_product() -> None:
    offending = {module: sorted(names & set(PRODUCTS)) for module, names in imported_packages(SHARED).items()
                 if names & set(PRODUCTS)}
    assert offending == {}


def test_every_component_uses_the_shared_package() -> None:
    for package in PRODUCTS:
        if (SRC / package).exists():
            assert any(SHARED in names for names in imported_packages(package).values()), package


PUBLIC_STATUS_MODULES = {"vcluster_status", "vcluster_status.contract", "vcluster_status.live"}


def test_the_vcluster_product_reads_the_reconciler_through_its_public_modules_only() -> None:
    """The CLI and the pipeline use `contract` (the fields) and `live` (the view of a cluster); the
    reconciler's assess/observe/observation modules may change behind them."""
    offending = {}
    for path in sorted((SRC / "vcluster_platform").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            internal = [m for m in modules if m.startswith("vcluster_status") and m not in PUBLIC_STATUS_MODULES]
            if internal:
                offending[str(path.relative_to(SRC))] = internal
    assert offending == {}
