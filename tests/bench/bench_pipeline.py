"""`make bench`: figures, not assertions.

- whole-process render of each example and of the production media request, through the pipeline's console
  entry point (median of 21 runs, peak RSS), and through the CLI (`vcluster-platform render`);
- the same media render by the code before the start-up work (BENCH_BASELINE, a git revision checked out into
  build/, run on this venv), beside it;
- where a pipeline process spends its time: imports by package, then each step of the run;
- in-process effective settings + render + checks per request (median over many);
- the YAML alias bomb refusal.

Bytecode is compiled first, as the images do at build time (this machine may set PYTHONDONTWRITEBYTECODE, and a
process that compiles every module it imports measures the compiler, not the pipeline).
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "examples" / "real" / "vcluster-media.yaml"
EXAMPLES = [*sorted((REPO / "promises" / "vcluster-orchestrator-v2" / "examples").glob("*.yaml")),
            *([REAL] if REAL.exists() else [])]
RUNS = 21
BASELINE = os.environ.get("BENCH_BASELINE", "ac6a499")  # the last revision before the start-up work
ISSUE_FIGURES = "0.6 s, 89 MiB (recorded when the issue was filed: kratix_sdk and pydantic imported on every run)"
HWM = "next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM'))"
# Each child reports its own high-water RSS at exit (getrusage would count the bench process it forks from).
REPORT_HWM = f"import atexit, sys\natexit.register(lambda: print({HWM}, file=sys.stderr))\n"
CONSOLE_PIPELINE = REPORT_HWM + "from vcluster_platform.pipeline import main\nsys.exit(main())\n"
MODULE_PIPELINE = REPORT_HWM + "import runpy\nrunpy.run_module('vcluster_platform.pipeline', run_name='__main__')\n"
CLI_RENDER = REPORT_HWM + "from vcluster_platform.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def kratix_tree(example: Path) -> Path:
    root = Path(tempfile.mkdtemp(prefix="bench-kratix-"))
    for sub in ("input", "output", "metadata"):
        (root / sub).mkdir()
    shutil.copyfile(example, root / "input" / "object.yaml")
    return root


def whole_process(code: str, args: list[str], env: dict[str, str], reset: Path | None = None) -> tuple[float, float]:
    """(median seconds, peak MiB) of RUNS fresh processes."""
    times, peak_kib = [], 0
    for _ in range(RUNS):
        if reset is not None:
            shutil.rmtree(reset / "output")
            (reset / "output").mkdir()
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code, *args], env={**os.environ, **env}, check=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        peak_kib = max(peak_kib, int(done.stderr.split()[-1]))
    return statistics.median(times), peak_kib / 1024


def pipeline_figures(example: Path, code: str = CONSOLE_PIPELINE, pythonpath: str = "") -> tuple[float, float]:
    root = kratix_tree(example)
    env = {"KRATIX_ROOT": str(root), "KRATIX_WORKFLOW_ACTION": "configure"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    try:
        return whole_process(code, ["configure"], env, reset=root)
    finally:
        shutil.rmtree(root)


def cli_figures(example: Path) -> tuple[float, float]:
    out = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    try:
        return whole_process(CLI_RENDER, ["render", str(example), "--output-dir", str(out), "--quiet"], {})
    finally:
        shutil.rmtree(out)


def baseline_source() -> Path | None:
    """BENCH_BASELINE checked out (once) under build/, with its bytecode compiled; None when git cannot."""
    target = REPO / "build" / f"bench-baseline-{BASELINE}"
    if not target.exists():
        archive = subprocess.run(["git", "-C", str(REPO), "archive", BASELINE, "src"], capture_output=True)
        if archive.returncode:
            return None
        target.mkdir(parents=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
        compileall.compile_dir(target / "src", quiet=1)
    return target / "src"


def import_breakdown() -> list[tuple[str, float]]:
    """Milliseconds of import per top-level package for one configure run's imports (self times summed)."""
    code = "import vcluster_platform.pipeline.vcluster"
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                         check=True).stderr
    totals: dict[str, float] = defaultdict(float)
    for line in err.splitlines()[1:]:
        self_us, _cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        package = name.split(".")[0]
        key = name.rsplit(".", 1)[0] if package == "vcluster_platform" and name.count(".") >= 1 else package
        totals[key] += int(self_us) / 1000
    return sorted(totals.items(), key=lambda item: -item[1])


STEPS = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
from vcluster_platform.models import settings_from_document
from vcluster_platform.pipeline.checks import check_render
from vcluster_platform.pipeline.configure import output_files
from vcluster_platform.render import render_all
from vcluster_platform.yamlio import load_request_file
t1 = time.perf_counter()
doc = load_request_file(Path(sys.argv[1])); t2 = time.perf_counter()
settings = settings_from_document(doc); t3 = time.perf_counter()
objects = render_all(settings); t4 = time.perf_counter()
check_render(settings, objects); t5 = time.perf_counter()
output_files(objects); t6 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, 'pydantic' in sys.modules)
"""
STEP_NAMES = ("imports", "read request", "validate + settings", "render", "schema + policy checks", "YAML out")


def step_breakdown(example: Path) -> tuple[list[float], bool]:
    """Median milliseconds of each step of a configure run, over 11 fresh processes (GC off, as the pipeline)."""
    samples, pydantic_loaded = [], False
    for _ in range(11):
        out = subprocess.check_output([sys.executable, "-c", "import gc; gc.disable()\n" + STEPS, str(example)],
                                      text=True).split()
        samples.append([float(x) * 1000 for x in out[:6]])
        pydantic_loaded |= out[6] == "True"
    return [statistics.median(column) for column in zip(*samples, strict=True)], pydantic_loaded


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


def media_report() -> None:
    wall, rss = pipeline_figures(REAL)
    module_wall, module_rss = pipeline_figures(REAL, MODULE_PIPELINE)
    cli_wall, cli_rss = cli_figures(REAL)
    print(f"\nproduction media request ({REAL.name}), whole process, median of {RUNS}:")
    print(f"  pipeline console entry point      {wall * 1000:6.0f} ms  {rss:5.1f} MiB   (target <= 200 ms, <= 50 MiB)")
    print(f"  python -m vcluster_platform.pipeline {module_wall * 1000:3.0f} ms  {module_rss:5.1f} MiB")
    print(f"  vcluster-platform render --quiet  {cli_wall * 1000:6.0f} ms  {cli_rss:5.1f} MiB")
    source = baseline_source()
    if source is not None:
        base_wall, base_rss = pipeline_figures(REAL, MODULE_PIPELINE, str(source))
        print(f"  before, at {BASELINE:<22} {base_wall * 1000:6.0f} ms  {base_rss:5.1f} MiB   (same machine, same run)")
    print(f"  before, as the issue found it     {ISSUE_FIGURES}")
    steps, pydantic_loaded = step_breakdown(REAL)
    print("  one configure run, step by step (ms): " + ", ".join(
        f"{name} {ms:.1f}" for name, ms in zip(STEP_NAMES, steps, strict=True)))
    print(f"  pydantic imported by a valid request's run: {'yes' if pydantic_loaded else 'no'}")
    print("  imports by package (ms, self time summed): " + ", ".join(
        f"{name} {ms:.1f}" for name, ms in import_breakdown()[:12]))


def main() -> None:
    compileall.compile_dir(REPO / "src", quiet=1)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s); medians")
    print(f"{'example':<24} {'whole process':>14} {'in-process render':>18} {'peak RSS':>10}")
    for example in EXAMPLES:
        wall, rss = pipeline_figures(example)
        render = in_process(example)
        print(f"{example.stem:<24} {wall * 1000:>11.0f} ms {render * 1000:>15.2f} ms {rss:>7.1f} MiB")
    if REAL.exists():
        media_report()
    seconds, mib = alias_bomb_refusal()
    print(f"8-level YAML alias bomb refused in {seconds * 1000:.1f} ms, process peak RSS {mib:.1f} MiB")


if __name__ == "__main__":
    main()
