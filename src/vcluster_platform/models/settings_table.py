"""Every setting of a request: its request path, EffectiveSettings attribute (if it has one), global default,
preset values and help. Each is declared on its request field (declare.Default in models/request.py) and read
here from the request table `make generate` writes; only the two settings no field holds (what resolve()
derives from the chart-shaped backingStore) are written here. The presets, the defaults, `resolve`, `explain`
and the README's settings table come from this table.

dev memory is 768Mi/1536Mi, not the 512Mi/1Gi of the original v1 docs: that value was OOM-killed in a
real deployment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .declare import NOTHING
from .fastparse import table_data

UNSET: Any = NOTHING  # a setting without a value there (no default, no preset value)
PRESET_NAMES = ("dev", "prod")
DEFAULT_PRESET = "dev"


def _snake(segment: str) -> str:
    """camelCase request key → the model's attribute (repoURL → repo_url, k8sVersion → k8s_version)."""
    return re.sub(r"([a-z0-9])([A-Z]+)", lambda m: f"{m.group(1)}_{m.group(2).lower()}", segment).lower()


@dataclass(frozen=True)
class Setting:
    """One setting. `derived`: resolve() computes it (the text says from what); otherwise the value is the
    request's, else the preset's, else the global default, passed through `convert`."""

    path: str
    attr: str
    help: str
    default: Any = UNSET
    dev: Any = UNSET
    prod: Any = UNSET
    derived: str = ""
    convert: Callable[[Any], Any] | None = None
    declared_attrs: tuple[str, ...] = ()  # the request model's attributes down to the field (declare.Default)

    @property
    def spec_attrs(self) -> tuple[str, ...]:
        return self.declared_attrs or tuple(_snake(segment) for segment in self.path.split("."))

    def preset_value(self, preset: str) -> Any:
        value: Any = getattr(self, preset)
        return value


# The settings no request field holds: what resolve() derives from the chart-shaped backingStore.
_S = Setting
FROM_BACKING_STORE: tuple[Setting, ...] = (
    _S("vcluster.backingStore.type", "backing_store", "database (embedded) or etcd (deployed)", dev="database",
       prod="etcd", derived="request (type or the chart's own keys), else preset"),
    _S("vcluster.backingStore.etcdReplicas", "etcd_replicas", "deployed etcd members", dev=1, prod=3,
       derived="request, else preset; 0 without etcd"),
)

CONVERT: dict[str, Callable[[Any], Any]] = {
    "mapping": lambda v: dict(v or {}), "text": lambda v: v or "", "url": lambda v: str(v).rstrip("/")}


def declared_settings(table: dict[str, Any]) -> tuple[Setting, ...]:
    """The settings declared in the request model itself (declare.Default), read from the generated request
    table; their EffectiveSettings value is `settings.value(path)`."""
    rows: list[Setting] = []

    def walk(model: str, path: tuple[str, ...], attrs: tuple[str, ...]) -> None:
        for field in table["models"][model]["fields"]:
            here, chain = (*path, field["keys"][0]), (*attrs, field["attr"])
            if "setting" in field:
                d = field["setting"]
                rows.append(Setting(".".join(here), d.get("attr", ""), d["help"], default=d.get("default", UNSET),
                                    dev=d.get("dev", UNSET), prod=d.get("prod", UNSET), derived=d.get("derived", ""),
                                    convert=CONVERT.get(d.get("convert", "")), declared_attrs=chain))
            if field["type"].get("kind") == "model":
                walk(field["type"]["model"], here, chain)

    walk(table["root"], (), ())
    return tuple(rows)


def all_settings(declared: tuple[Setting, ...]) -> tuple[Setting, ...]:
    """The declared settings in the request's order, the backing store's beside the other vcluster.* ones."""
    at = max((i + 1 for i, row in enumerate(declared) if row.path.startswith("vcluster.networking.")),
             default=len(declared))
    return (*declared[:at], *FROM_BACKING_STORE, *declared[at:])


SETTINGS = all_settings(declared_settings(table_data()))
BY_PATH: MappingProxyType[str, Setting] = MappingProxyType({s.path: s for s in SETTINGS})
BY_ATTR: MappingProxyType[str, Setting] = MappingProxyType({s.attr: s for s in SETTINGS if s.attr})

PRESETS: MappingProxyType[str, MappingProxyType[str, Any]] = MappingProxyType({
    name: MappingProxyType({s.path: s.preset_value(name) for s in SETTINGS if s.preset_value(name) is not UNSET})
    for name in PRESET_NAMES})
GLOBAL_DEFAULTS: MappingProxyType[str, Any] = MappingProxyType(
    {s.path: s.default for s in SETTINGS if s.default is not UNSET})

