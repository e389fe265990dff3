"""`vcluster-platform create` without a cluster: flags for scripts, the wizard through a pseudo-terminal, each
answer judged by the pipeline's own rules, the request file validated as the pipeline validates it."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

from vcluster_platform.cli import main
from vcluster_platform.models import settings_from_document


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_flags_write_a_request_the_pipeline_renders(tmp_path: Path) -> None:
    file = tmp_path / "requests" / "ci.yaml"
    code, out, err = run("create", "ci", "--preset", "prod", "--hostname", "ci.integratn.tech",
                         "--egress", "pg=10.0.3.1/32:5432/TCP", "--nfs", "yes", "--label", "team=a",
                         "--set", "vcluster.coredns.replicas=2", "--file", str(file))
    assert code == 0, err
    doc = yaml.safe_load(file.read_text())
    assert doc["spec"]["networkPolicies"] == {"enableNFS": True, "extraEgress": [
        {"name": "pg", "cidr": "10.0.3.1/32", "port": 5432, "protocol": "TCP"}]}
    assert doc["spec"]["vcluster"] == {"preset": "prod", "coredns": {"replicas": 2}}
    settings = settings_from_document(doc)  # exactly what the pipeline will resolve
    assert settings.replicas == 3 and settings.hostname == "ci.integratn.tech"
    assert f"wrote {file}" in out


def test_a_name_whose_file_exists_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "ci.yaml"
    file.write_text("kept: true\n")
    code, _, err = run("create", "ci", "--preset", "dev", "--file", str(file))
    assert code == 2 and "exists: the name is taken" in err and file.read_text() == "kept: true\n"


@pytest.mark.parametrize(("flags", "path"), [
    (["--replicas", "0"], "spec.vcluster.replicas"),
    (["--preset", "huge"], "spec.vcluster.preset"),
    (["--set", "targetNamespace=kube-system"], "spec.targetNamespace"),
    (["--egress", "all=0.0.0.0/0:22"], "spec.networkPolicies.extraEgress[0].cidr"),
])
def test_what_the_pipeline_would_refuse_is_refused_here(tmp_path: Path, flags: list[str], path: str) -> None:
    code, _, err = run("create", "ci", *flags, "--file", str(tmp_path / "ci.yaml"))
    assert code == 2 and path in err and not (tmp_path / "ci.yaml").exists()


def test_a_tenant_is_told_which_fields_are_reserved_to_admins(tmp_path: Path) -> None:
    code, _, err = run("create", "ci", "-n", "team-a", "--set", "integrations.onePassword.vault=Other team",
                       "--file", str(tmp_path / "ci.yaml"))
    assert code == 0
    assert "warning: spec.integrations.onePassword is reserved to platform admins" in err


def _converse(tmp_path: Path, answers: dict[str, str]) -> tuple[int, str]:
    """Run the wizard on a pseudo-terminal, answering each prompt that contains a key with its value (Enter
    for the others); the transcript and the exit code."""
    main_fd, child_fd = pty.openpty()
    cli = Path(sys.executable).parent / "vcluster-platform"
    process = subprocess.Popen([str(cli), "create", "wiz", "--file", str(tmp_path / "wiz.yaml")], stdin=child_fd,
                               stdout=child_fd, stderr=child_fd, close_fds=True, cwd=tmp_path)
    os.close(child_fd)
    transcript, pending = "", dict(answers)
    while process.poll() is None:
        try:
            chunk = os.read(main_fd, 4096).decode()
        except OSError:
            break
        transcript += chunk
        if chunk.rstrip().endswith(":"):
            prompt = chunk.rstrip().splitlines()[-1]
            key = next((k for k in pending if k in prompt), None)
            os.write(main_fd, f"{pending.pop(key) if key else ''}\n".encode())
    code = process.wait(timeout=60)
    os.close(main_fd)
    return code, transcript


def test_the_wizard_judges_each_answer_and_shows_the_presets_defaults(tmp_path: Path) -> None:
    code, transcript = _converse(tmp_path, {"preset": "prod", "replicas [3]": "0", "isolation": "strict",
                                            "extra egress": "db=10.0.3.0/24:5432"})
    assert code == 0, transcript
    assert "control-plane replicas [3]:" in transcript  # the prod preset's default, shown once prod is chosen
    assert "spec.vcluster.replicas: Input should be greater than or equal to 1" in transcript  # asked again
    doc = yaml.safe_load((tmp_path / "wiz.yaml").read_text())
    assert doc["spec"]["vcluster"] == {"preset": "prod", "isolationMode": "strict"}
    assert doc["spec"]["networkPolicies"]["extraEgress"] == [{"name": "db", "cidr": "10.0.3.0/24", "port": 5432}]
