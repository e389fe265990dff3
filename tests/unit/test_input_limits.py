"""YAML and file limits at the input edge: each refusal is exit 2 with a message that says what and where."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from conftest import ORCHESTRATOR_EXAMPLES
from vcluster_platform.cli import main
from vcluster_platform.errors import InvalidRequest
from vcluster_platform.yamlio import MAX_REQUEST_BYTES, load_request_file, load_strict


def alias_bomb(levels: int) -> str:
    """The classic billion-laughs shape: each level is nine aliases of the one before."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    body = "\n".join("      " + line for line in lines)
    return ("apiVersion: platform.integratn.tech/v1alpha1\nkind: VClusterOrchestratorV2\n"
            "metadata: {name: x, namespace: platform-requests}\nspec:\n  name: x\n  vcluster:\n"
            f"    helmOverrides:\n{body}\n")


def _render(tmp_path: Path, capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    code = main(["render", str(path), "--output-dir", str(out)])
    return code, capsys.readouterr().err, out


def test_an_eight_level_alias_bomb_is_refused_small(tmp_path: Path) -> None:
    tracemalloc.start()
    with pytest.raises(InvalidRequest) as info:
        load_strict(alias_bomb(8), "bomb.yaml")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "more than 100000 nodes once aliases are expanded" in str(info.value)
    assert peak < 100 * 2**20


def test_a_small_alias_is_still_fine() -> None:
    doc = load_strict("base: &b {cpu: 1}\ncopy: *b\n")
    assert doc["copy"] == {"cpu": 1}


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(InvalidRequest) as info:
        load_strict("a: " + "[" * 5000 + "]" * 5000)
    assert "nested deeper than 64 levels" in str(info.value)


CASES: list[tuple[str, Any, str]] = [
    ("not UTF-8", b"apiVersion: v1\nkind: X\nmetadata: {name: caf\xe9}\n",
     "is not UTF-8: byte 0xe9 at offset 43 (line 3)"),
    ("UTF-16", "kind: X\n".encode("utf-16"), "is UTF-16 (byte-order mark at byte 0); save it as UTF-8"),
    ("empty", b"   \n", "file is empty; expected one YAML mapping"),
    ("two documents", b"a: 1\n---\nb: 2\n", "expected exactly one YAML document"),
    ("a list", b"- a\n", "expected a YAML mapping, got list"),
    ("syntax", b"a: [1\n", "not valid YAML"),
    ("duplicate key", b"a: 1\na: 2\n", "found duplicate key 'a'"),
    ("too large", b"a: " + b"x" * (MAX_REQUEST_BYTES + 10) + b"\n", f"is larger than {MAX_REQUEST_BYTES} bytes"),
]


@pytest.mark.parametrize(("data", "message"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_bad_files_are_refused_with_what_and_where(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes,
                                                   message: str) -> None:
    path = tmp_path / "request.yaml"
    path.write_bytes(data)
    code, err, out = _render(tmp_path, capsys, path)
    assert code == 2 and message in err and str(path) in err and "Traceback" not in err
    assert list((out / "output").iterdir()) == []
    assert "phase: Failed" in (out / "metadata" / "status.yaml").read_text()


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + ORCHESTRATOR_EXAMPLES[0].read_bytes())
    assert load_request_file(path)["kind"] == "VClusterOrchestratorV2"


@pytest.mark.parametrize("kind", ["directory", "missing", "dangling link"])
def test_paths_that_are_not_readable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    path = tmp_path / "x.yaml"
    if kind == "directory":
        path.mkdir()
    elif kind == "dangling link":
        os.symlink(tmp_path / "nowhere", path)
    code, err, _out = _render(tmp_path, capsys, path)
    expected = "is a directory" if kind == "directory" else "cannot read file: No such file or directory"
    assert code == 2 and expected in err and "Traceback" not in err


def test_an_output_directory_that_cannot_be_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = main(["render", str(ORCHESTRATOR_EXAMPLES[0]), "--output-dir", str(blocker / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "--output-dir: cannot be written" in err and "Traceback" not in err
