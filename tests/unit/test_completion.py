"""Shell completion generated from the parser: bash's is run for real (a completion is asked for as bash asks
for it); zsh's and fish's cover every command and option the parser has (those shells are not installed here)."""

from __future__ import annotations

import subprocess

import pytest

from vcluster_platform.cli import build_parser, main
from vcluster_platform.cli.completion import commands_of, completion_script

CASES = [
    (["mig"], ["migrate"]),
    (["migrate", ""], ["check", "-h", "--help"]),
    (["migrate", "check", "--c"], ["--charts", "--cni"]),
    (["migrate", "check", "--cni", ""], ["kubernetes", "cilium"]),
    (["kubeconfig", "media", "--me"], ["--merge"]),
    (["status", "--output", "j"], ["json"]),
    (["completion", ""], ["bash", "zsh", "fish", "-h", "--help"]),
    (["upgrade", "check", "--t"], ["--to"]),
]


@pytest.mark.parametrize(("words", "expected"), CASES, ids=[" ".join(w) for w, _ in CASES])
def test_bash_completes_commands_options_and_their_values(words: list[str], expected: list[str]) -> None:
    script = completion_script("bash", build_parser())
    quoted = " ".join(f"'{w}'" for w in ["vcluster-platform", *words])
    probe = (f"{script}\nCOMP_WORDS=({quoted}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); _vcluster_platform; "
             "printf '%s\\n' \"${COMPREPLY[@]}\"")
    result = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30, check=True)
    assert result.stdout.split() == expected


def test_a_file_argument_completes_files() -> None:
    script = completion_script("bash", build_parser())
    probe = (f"{script}\ncd /; COMP_WORDS=(vcluster-platform render ''); COMP_CWORD=2; _vcluster_platform; "
             "printf '%s\\n' \"${COMPREPLY[@]}\"")
    found = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30, check=True).stdout
    assert "etc" in found.split() and "--output-dir" in found.split()


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_every_command_and_option_is_in_the_script(shell: str) -> None:
    script = completion_script(shell, build_parser())
    commands = commands_of(build_parser())
    assert {"migrate check", "upgrade check", "kubeconfig", "status", "completion"} <= {c.path for c in commands}
    for command in commands:
        for word in command.subcommands:
            assert word in script
        for option in command.options:
            spelled = f"-l {option[2:]}" if option.startswith("--") else f"-s {option[1:]}"
            assert (option if shell == "zsh" else spelled) in script
    if shell == "zsh":
        assert "bashcompinit" in script and "complete -o filenames -F _vcluster_platform" in script
    else:
        assert "-l kubeconfig" in script and "-l cni -x -a 'kubernetes cilium'" in script


def test_the_command_prints_the_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "bash"]) == 0
    assert capsys.readouterr().out.startswith("# bash completion for vcluster-platform")
