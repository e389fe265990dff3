"""The flow level of `migrate check`: the running tenant's policies and ours, evaluated on the same flows.

A needed flow the running side allows and ours denies is blocking (the takeover would cut it); any other flow
the running side allows and ours denies is a narrowing (some are deliberate); a flow ours allows and the running
side denies is new."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .catalogue import Flow
from .evaluate import allowed_by

Obj = dict[str, Any]
POLICY_KINDS = ("NetworkPolicy", "CiliumNetworkPolicy")


def policies_of(objects: list[Obj]) -> list[Obj]:
    return [o for o in objects if o.get("kind") in POLICY_KINDS]


def cni_of(running: list[Obj], ours: list[Obj]) -> str:
    """The CNI whose semantics apply (both sides run on the same host): Cilium when the running side renders
    CiliumNetworkPolicies, or when it renders no policy at all and ours does (our platform settings say Cilium)."""
    def cilium(objects: list[Obj]) -> bool:
        return any(o.get("kind") == "CiliumNetworkPolicy" for o in objects)

    return "cilium" if cilium(running) or (not policies_of(running) and cilium(ours)) else "kubernetes"


@dataclass(frozen=True)
class FlowChange:
    flow: Flow
    running_policies: tuple[str, ...]  # what let it through on the running side ("" when it was denied there)
    our_policies: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        f = self.flow
        return {"flow": f.name, "source": f.src.ip, "destination": f.dst.ip, "port": f.port, "protocol": f.proto,
                "needed": f.needed, "description": f.describe(), "runningPolicies": list(self.running_policies),
                "ourPolicies": list(self.our_policies)}


@dataclass
class FlowReport:
    cni: str
    checked: int
    blocking: list[FlowChange] = field(default_factory=list)
    narrowed: list[FlowChange] = field(default_factory=list)
    new: list[FlowChange] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"cni": self.cni, "checked": self.checked, "blocking": [c.as_dict() for c in self.blocking],
                "narrowed": [c.as_dict() for c in self.narrowed], "new": [c.as_dict() for c in self.new]}


def compare_flows(running: list[Obj], ours: list[Obj], flows: list[Flow], cni: str) -> FlowReport:
    report = FlowReport(cni, len(flows))
    old, new = policies_of(running), policies_of(ours)
    for flow in flows:
        was, by_running = allowed_by(old, flow.src, flow.dst, flow.port, flow.proto, cni=cni)
        now, by_ours = allowed_by(new, flow.src, flow.dst, flow.port, flow.proto, cni=cni)
        change = FlowChange(flow, tuple(by_running), tuple(by_ours))
        if was and not now:
            (report.blocking if flow.needed else report.narrowed).append(change)
        elif now and not was:
            report.new.append(change)
    return report


def format_flows(report: FlowReport) -> str:
    lines = [f"flows ({report.cni} semantics): {report.checked} checked"]
    for change in report.blocking:
        lines.append(f"BLOCKING  {change.flow.describe()}\n          the running tenant allows it "
                     f"({', '.join(change.running_policies) or 'no policy isolates it'}); ours denies it")
    for change in report.narrowed:
        lines.append(f"NARROWED  {change.flow.describe()}\n          allowed today by "
                     f"{', '.join(change.running_policies) or 'no policy isolating it'}; denied after the takeover")
    for change in report.new:
        lines.append(f"NEW       {change.flow.describe()}\n          denied today; allowed after the takeover by "
                     f"{', '.join(change.our_policies) or 'no policy isolating it'}")
    if not (report.blocking or report.narrowed or report.new):
        lines.append("every flow is allowed or denied as it is today")
    return "\n".join(lines)
