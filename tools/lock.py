"""Hash-pin the lock files: each `name==version` gets a `--hash=sha256:` line for every file the package index
publishes for that version (wheels for every platform and the sdist), read from its JSON simple API
(PEP 691). pip then refuses any download whose hash is not listed (`--require-hashes`).

    python tools/lock.py            rewrite requirements.lock and requirements-runtime.lock
    python tools/lock.py --check    exit 1 when a lock line has no hash or a pin differs between the two

The index is $PIP_INDEX_URL's (default https://pypi.org/simple). Versions are chosen by hand (or by `pip
install` + `pip freeze`); this tool only records what those files are.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKS = (ROOT / "requirements.lock", ROOT / "requirements-runtime.lock")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, tuple[str, str]]:
    """canonical name → (name as written, version), in file order."""
    out = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            out[canonical(match[1])] = (match[1], match[2])
    return out


def file_version(filename: str) -> str:
    """The version a distribution file carries: a wheel's second dash-separated field, an sdist's last."""
    if filename.endswith(".whl"):
        return filename.split("-")[1]
    for suffix in (".tar.gz", ".zip", ".tar.bz2"):
        if filename.endswith(suffix):
            return filename[: -len(suffix)].rsplit("-", 1)[-1]
    return ""


def hashes_of(name: str, version: str, index: str) -> list[str]:
    request = urllib.request.Request(f"{index.rstrip('/')}/{canonical(name)}/",
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    found = sorted({f["hashes"]["sha256"] for f in files if file_version(f["filename"]) == version
                    and not f.get("yanked") and "sha256" in f.get("hashes", {})})
    if not found:
        raise SystemExit(f"{name}=={version}: the index lists no file for this version")
    return found


def render(path: Path, index: str) -> str:
    lines = []
    for name, version in pins(path).values():
        digests = hashes_of(name, version, index)
        lines.append(" \\\n".join([f"{name}=={version}", *(f"    --hash=sha256:{d}" for d in digests)]))
    return "\n".join(lines) + "\n"


def check() -> int:
    problems = []
    for path in LOCKS:
        text = path.read_text()
        for block in re.split(r"\n(?=\S)", text.strip()):
            if PIN.match(block) and "--hash=sha256:" not in block:
                problems.append(f"{path.name}: {block.splitlines()[0]} has no hash")
    full, runtime = (pins(p) for p in LOCKS)
    problems += [f"requirements-runtime.lock pins {name} {version}, requirements.lock {full.get(key)}"
                 for key, (name, version) in runtime.items() if full.get(key, ("", ""))[1] != version]
    print("\n".join(problems) or "locks: every pin hashed, the runtime lock agrees with the full one")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if "--check" in argv:
        return check()
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple")
    for path in LOCKS:
        path.write_text(render(path, index))
        print(f"{path.name}: {len(pins(path))} pins hashed")
    return check()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
