"""The lock files pin every dependency by version and by hash (pip installs them with --require-hashes), and
the runtime lock agrees with the full one."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from conftest import REPO

spec = importlib.util.spec_from_file_location("lock_tool", REPO / "tools" / "lock.py")
assert spec and spec.loader
lock_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock_tool)


def _blocks(path: Path) -> list[str]:
    return [b for b in re.split(r"\n(?=\S)", path.read_text().strip()) if b and not b.startswith("#")]


def test_every_pin_carries_hashes() -> None:
    for path in lock_tool.LOCKS:
        blocks = _blocks(path)
        assert blocks
        for block in blocks:
            first, *hashes = [line.strip().rstrip("\\").strip() for line in block.splitlines()]
            assert lock_tool.PIN.match(first), first
            assert hashes and all(re.fullmatch(r"--hash=sha256:[0-9a-f]{64}", h) for h in hashes), first


def test_the_check_refuses_an_unhashed_pin_and_a_disagreeing_runtime_pin(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    full, runtime = tmp_path / "requirements.lock", tmp_path / "requirements-runtime.lock"
    full.write_text("pyyaml==6.0.4 \\\n    --hash=sha256:" + "a" * 64 + "\nsix==1.17.0\n")
    runtime.write_text("PyYAML==6.0.3 \\\n    --hash=sha256:" + "b" * 64 + "\n")
    monkeypatch.setattr(lock_tool, "LOCKS", (full, runtime))
    assert lock_tool.check() == 1
    full.write_text("pyyaml==6.0.4 \\\n    --hash=sha256:" + "a" * 64 + "\n")
    runtime.write_text("PyYAML==6.0.4 \\\n    --hash=sha256:" + "a" * 64 + "\n")
    assert lock_tool.check() == 0


def test_a_file_version_is_read_exactly() -> None:
    assert lock_tool.file_version("attrs-26.1.0-py3-none-any.whl") == "26.1.0"
    assert lock_tool.file_version("PyYAML-6.0.4.tar.gz") == "6.0.4"
    assert lock_tool.file_version("pydantic_core-2.50.5-cp311-cp311-manylinux_2_17_x86_64.whl") == "2.50.5"
    assert lock_tool.file_version("pkg-2.0.1.tar.gz") != "2.0"
