"""`make bench`: figures, not assertions.

- whole-process pipeline run (median of 21, `python -m vcluster_platform.pipeline configure`, including
  `import kratix_sdk`), per example;
- in-process effective settings + render + checks per request (median over many);
- peak RSS of one pipeline process.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "examples" / "real" / "vcluster-media.yaml"
EXAMPLES = [*sorted((REPO / "promises" / "vcluster-orchestrator-v2" / "examples").glob("*.yaml")),
            *([REAL] if REAL.exists() else [])]
RUNS = 21
# The child reports its own high-water RSS (VmHWM of the image after exec). getrusage's ru_maxrss would count
# the bench process itself, which the child is forked from.
PIPELINE = ("import runpy, sys\n"
            "try:\n    runpy.run_module('vcluster_platform.pipeline', run_name='__main__')\n"
            "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
            "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')), file=sys.stderr)")
HWM = "next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM'))"


def whole_process(example: Path) -> tuple[float, float]:
    times = []
    peak_kib = 0
    for _ in range(RUNS):
        root = Path(tempfile.mkdtemp(prefix="bench-kratix-"))
        for sub in ("input", "output", "metadata"):
            (root / sub).mkdir()
        shutil.copyfile(example, root / "input" / "object.yaml")
        env = {**os.environ, "KRATIX_ROOT": str(root), "KRATIX_WORKFLOW_ACTION": "configure"}
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", PIPELINE], env=env, check=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        peak_kib = max(peak_kib, int(done.stderr.split()[-1]))
        shutil.rmtree(root)
    return statistics.median(times), peak_kib / 1024


def import_cost() -> float:
    code = "import time; t=time.perf_counter(); import kratix_sdk; print(time.perf_counter()-t)"
    samples = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(7)]
    return statistics.median(samples)


def in_process(example: Path, repeat: int = 300) -> float:
    from vcluster_platform.pipeline.configure import render_request

    doc = yaml.safe_load(example.read_text())
    render_request(doc)  # warm the schema caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        render_request(doc)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def alias_bomb_refusal() -> tuple[float, float]:
    """(seconds, MiB) to refuse an eight-level alias bomb, in a fresh process, imports excluded."""
    code = ("import sys, time; sys.path.insert(0, 'tests'); from unit.test_input_limits import alias_bomb; "
            "from vcluster_platform.yamlio import load_strict; text = alias_bomb(8); t = time.perf_counter()\n"
            "try:\n    load_strict(text)\nexcept Exception:\n    pass\n"
            f"print(time.perf_counter() - t, int({HWM}) / 1024)")
    seconds, mib = subprocess.check_output([sys.executable, "-c", code], text=True, cwd=REPO).split()
    return float(seconds), float(mib)


def main() -> None:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s); medians")
    print(f"{'example':<24} {'whole process':>14} {'in-process render':>18} {'peak RSS':>10}")
    for example in EXAMPLES:
        wall, rss = whole_process(example)
        render = in_process(example)
        print(f"{example.stem:<24} {wall * 1000:>11.0f} ms {render * 1000:>15.2f} ms {rss:>7.1f} MiB")
    print(f"import kratix_sdk alone (a configure run no longer pays it): {import_cost() * 1000:.0f} ms")
    seconds, mib = alias_bomb_refusal()
    print(f"8-level YAML alias bomb refused in {seconds * 1000:.1f} ms, process peak RSS {mib:.1f} MiB")


if __name__ == "__main__":
    main()
