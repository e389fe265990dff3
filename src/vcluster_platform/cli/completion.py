"""`vcluster-platform completion bash|zsh|fish`: shell completion generated from the CLI's own parser, so a
new command or flag completes without anyone editing a script.

    source <(vcluster-platform completion bash)         # ~/.bashrc
    source <(vcluster-platform completion zsh)          # ~/.zshrc (through bashcompinit)
    vcluster-platform completion fish | source          # ~/.config/fish/config.fish
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass, field

PROG = "vcluster-platform"
SHELLS = ("bash", "zsh", "fish")


@dataclass
class Command:
    """One command path (`""` for the top level, `"migrate check"` for a nested one) and what follows it."""

    path: str
    subcommands: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    positionals: list[str] = field(default_factory=list)  # the values of a positional argument with choices
    flags: set[str] = field(default_factory=set)  # options that take no value
    choices: dict[str, list[str]] = field(default_factory=dict)  # option → its values


def commands_of(parser: argparse.ArgumentParser, path: str = "") -> list[Command]:
    """Every command path of the parser with its subcommands, long and short options and option choices."""
    here = Command(path)
    found = [here]
    for action in parser._actions:  # argparse exposes no public walk of its actions
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                here.subcommands.append(name)
                found += commands_of(child, f"{path} {name}".strip())
        elif not action.option_strings and action.choices:
            here.positionals += [str(c) for c in action.choices]
        elif action.option_strings and action.help != argparse.SUPPRESS:
            here.options += action.option_strings
            if action.nargs == 0:
                here.flags.update(action.option_strings)
            if action.choices:
                for option in action.option_strings:
                    here.choices[option] = [str(c) for c in action.choices]
    return found


def _bash(commands: list[Command]) -> str:
    def key(command: Command, option: str = "") -> str:
        return shlex.quote(f"{command.path or '.'} {option}".strip())

    words = "\n".join(f"    [{key(c)}]={shlex.quote(' '.join(c.subcommands + c.positionals + c.options))}"
                      for c in commands)
    values = "\n".join(f"    [{key(c, option)}]={shlex.quote(' '.join(choices))}"
                       for c in commands for option, choices in c.choices.items())
    closed = "\n".join(f"    [{key(c)}]=1" for c in commands if c.subcommands or c.positionals)
    return f"""# bash completion for {PROG} (generated from its parser: `{PROG} completion bash`)
_vcluster_platform() {{
  local -A words=(
{words}
  )
  local -A values=(
{values}
  )
  local -A closed=(  # commands whose next word is one of a list, never a file
{closed}
  )
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} path=. w
  for w in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
    local next="$path $w"
    [[ $path == . ]] && next=$w
    [[ -n ${{words[$next]+set}} ]] && path=$next
  done
  if [[ -n ${{values["$path $prev"]+set}} ]]; then
    COMPREPLY=($(compgen -W "${{values["$path $prev"]}}" -- "$cur"))
  elif [[ $cur == -* || -n ${{closed[$path]+set}} ]]; then
    COMPREPLY=($(compgen -W "${{words[$path]}}" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "${{words[$path]}}" -- "$cur") $(compgen -f -- "$cur"))
  fi
}}
complete -o filenames -F _vcluster_platform {PROG}
"""


def _zsh(commands: list[Command]) -> str:
    return f"""#compdef {PROG}
# zsh completion for {PROG} (generated from its parser: `{PROG} completion zsh`), through bash's
autoload -U +X bashcompinit && bashcompinit
{_bash(commands)}"""


def _fish_condition(command: Command) -> str:
    words = command.path.split()
    if not words:
        return "__fish_use_subcommand"
    seen = "; and ".join(f"__fish_seen_subcommand_from {w}" for w in words)
    return f"{seen}; and not __fish_seen_subcommand_from {' '.join(command.subcommands)}" \
        if command.subcommands else seen


def _fish(commands: list[Command]) -> str:
    lines = [f"# fish completion for {PROG} (generated from its parser: `{PROG} completion fish`)",
             f"complete -c {PROG} -f"]
    for command in commands:
        condition = shlex.quote(_fish_condition(command))
        lines += [f"complete -c {PROG} -n {condition} -a {shlex.quote(word)}"
                  for word in command.subcommands + command.positionals]
        if command.path and not (command.subcommands or command.positionals):
            lines.append(f"complete -c {PROG} -n {condition} -F")  # its arguments are files
        for option in command.options:
            flag = f"-l {option[2:]}" if option.startswith("--") else f"-s {option[1:]}"
            choices = command.choices.get(option)
            value = "" if option in command.flags else \
                f" -x -a {shlex.quote(' '.join(choices))}" if choices else " -r -F"
            lines.append(f"complete -c {PROG} -n {condition} {flag}{value}")
    return "\n".join(lines) + "\n"


def completion_script(shell: str, parser: argparse.ArgumentParser) -> str:
    commands = commands_of(parser)
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](commands)
