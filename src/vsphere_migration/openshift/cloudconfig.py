"""Edit the vSphere cloud-provider config in either format: INI (legacy in-tree/CPI) or YAML (CPI).

Edits are textual for INI so comments and unrelated settings survive; YAML is parsed and dumped.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

INI_SECTION = re.compile(r'^\[VirtualCenter\s+"(?P<server>[^"]+)"\]\s*$', re.MULTILINE)


def config_format(text: str) -> str:
    """'ini' or 'yaml'."""
    if re.search(r"^\s*\[(Global|Workspace|VirtualCenter)", text, re.MULTILINE):
        return "ini"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ValueError("cloud-provider-config is neither INI nor YAML") from None
    if isinstance(data, dict) and ("vcenter" in data or "global" in data):
        return "yaml"
    raise ValueError("cloud-provider-config has no [Global]/[VirtualCenter] sections nor global/vcenter keys")


def vcenter_servers(text: str) -> list[str]:
    if config_format(text) == "ini":
        return [m.group("server") for m in INI_SECTION.finditer(text)]
    data = yaml.safe_load(text) or {}
    return [str((v or {}).get("server", k)) for k, v in (data.get("vcenter") or {}).items()]


def _ini_sections(text: str) -> list[tuple[str, int, int]]:
    """(header line, start, end) of every section."""
    headers = list(re.finditer(r"^\[[^\]]+\][^\n]*$", text, re.MULTILINE))
    return [(h.group(0), h.start(), headers[i + 1].start() if i + 1 < len(headers) else len(text))
            for i, h in enumerate(headers)]


def add_vcenter(text: str, server: str, port: int, datacenters: list[str]) -> str:
    """The config with a section/entry for `server` (unchanged when it is already there)."""
    if server in vcenter_servers(text):
        return text
    if config_format(text) == "ini":
        section = f'[VirtualCenter "{server}"]\nport = "{port}"\ndatacenters = "{",".join(datacenters)}"\n'
        return text.rstrip("\n") + "\n\n" + section
    data: dict[str, Any] = yaml.safe_load(text) or {}
    data.setdefault("vcenter", {})[server] = {"server": server, "port": port, "datacenters": list(datacenters)}
    return yaml.safe_dump(data, sort_keys=False)


def remove_vcenter(text: str, server: str) -> str:
    if config_format(text) == "ini":
        for header, start, end in _ini_sections(text):
            match = INI_SECTION.match(header)
            if match and match.group("server") == server:
                return (text[:start] + text[end:]).replace("\n\n\n", "\n\n")
        return text
    data: dict[str, Any] = yaml.safe_load(text) or {}
    vcenters = data.get("vcenter") or {}
    data["vcenter"] = {k: v for k, v in vcenters.items() if str((v or {}).get("server", k)) != server}
    return yaml.safe_dump(data, sort_keys=False)


def point_workspace(text: str, server: str, datacenter: str, datastore: str, folder: str) -> str:
    """INI only: the [Workspace] section (default volume placement) on the given vCenter."""
    if config_format(text) != "ini":
        return text
    values = {"server": server, "datacenter": datacenter, "default-datastore": datastore, "folder": folder}
    for header, start, end in _ini_sections(text):
        if header.strip() == "[Workspace]":
            body = text[start:end]
            for key, value in values.items():
                body = re.sub(rf'^{re.escape(key)}\s*=.*$', f'{key} = "{value}"', body, flags=re.MULTILINE)
            return text[:start] + body + text[end:]
    return text
