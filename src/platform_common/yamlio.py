"""Deterministic YAML out, the same for every component: insertion order kept, block style, no aliases."""

from __future__ import annotations

from typing import Any

import yaml

# libyaml's emitter when PyYAML was built with it (the wheels are): the same output, several times faster.
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """Block-style dumper that never emits anchors/aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)


def dump(obj: Any) -> str:
    """Deterministic YAML: insertion order kept, block style, no aliases."""
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096)


def dump_all(objs: list[Any]) -> str:
    return "".join("---\n" + dump(o) for o in objs)
