"""An evaluator of NetworkPolicy and CiliumNetworkPolicy semantics: does a connection pass the policies in force?

It follows the Kubernetes NetworkPolicy rules (a pod is isolated in a direction once any policy selecting it
covers that direction; a flow passes when the source's egress and the destination's ingress both allow it)
and the subset of CiliumNetworkPolicy the platform renders (endpointSelector, toEntities/fromEntities,
toCIDR, toPorts). `cni="cilium"` also models the Cilium fact that makes CiliumNetworkPolicies necessary:
an ipBlock only matches endpoints outside the cluster (`world`), never the host, a remote node or the
API server.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class Endpoint:
    ip: str
    namespace: str | None = None  # None: not a pod (a node, the API server, a LAN client, the internet)
    labels: Mapping[str, str] = field(default_factory=dict)
    entities: frozenset[str] = frozenset({"world"})  # Cilium identities of a non-pod endpoint


def pod(namespace: str, ip: str, **labels: str) -> Endpoint:
    return Endpoint(ip, namespace, dict(labels), frozenset({"cluster"}))


def host(ip: str, *entities: str) -> Endpoint:
    return Endpoint(ip, None, {}, frozenset(entities or ("world",)))


def _selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    if selector is None:
        return True
    match = selector.get("matchLabels") or {}
    if any(labels.get(k) != v for k, v in match.items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        present, value = expr["key"] in labels, labels.get(expr["key"])
        op, values = expr["operator"], expr.get("values", [])
        if (op == "In" and value not in values) or (op == "NotIn" and value in values) or \
                (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True


def _in_block(ip: str, block: Obj) -> bool:
    address = ipaddress.ip_address(ip)
    if address not in ipaddress.ip_network(block["cidr"]):
        return False
    return not any(address in ipaddress.ip_network(e) for e in block.get("except", []))


def _peer_matches(peer: Obj, policy_ns: str, other: Endpoint, cni: str) -> bool:
    if "ipBlock" in peer:
        if other.namespace is not None or (cni == "cilium" and "world" not in other.entities):
            return False
        return _in_block(other.ip, peer["ipBlock"])
    if other.namespace is None:
        return False
    if "namespaceSelector" in peer:
        if not _selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": other.namespace}):
            return False
    elif other.namespace != policy_ns:
        return False
    return _selects(peer.get("podSelector"), other.labels)


def _ports_match(ports: list[Obj] | None, port: int, proto: str) -> bool:
    if not ports:
        return True
    return any(int(p.get("port", port)) == port and p.get("protocol", "TCP") == proto for p in ports)


def _k8s_types(spec: Obj) -> list[str]:
    return spec.get("policyTypes") or (["Ingress"] + (["Egress"] if "egress" in spec else []))


def _k8s_verdict(policy: Obj, direction: str, me: Endpoint, other: Endpoint, port: int, proto: str,
                 cni: str) -> tuple[bool, bool]:
    """(applies in this direction, allows the flow) for one NetworkPolicy."""
    spec, ns = policy["spec"], policy["metadata"]["namespace"]
    if ns != me.namespace or not _selects(spec.get("podSelector"), me.labels):
        return False, False
    if direction.capitalize() not in _k8s_types(spec):
        return False, False
    rules = spec.get(direction, [])
    peers_key = "to" if direction == "egress" else "from"
    allows = any((not rule.get(peers_key) or any(_peer_matches(p, ns, other, cni) for p in rule[peers_key]))
                 and _ports_match(rule.get("ports"), port, proto) for rule in rules)
    return True, allows


def _cilium_ports(rule: Obj, port: int, proto: str) -> bool:
    to_ports = rule.get("toPorts")
    if not to_ports:
        return True
    return any(_ports_match(tp.get("ports"), port, proto) for tp in to_ports)


def _cilium_verdict(policy: Obj, direction: str, me: Endpoint, other: Endpoint, port: int,
                    proto: str) -> tuple[bool, bool]:
    spec = policy["spec"]
    if policy["metadata"]["namespace"] != me.namespace or not _selects(spec.get("endpointSelector"), me.labels):
        return False, False
    if direction not in spec:
        return False, False
    entities_key, cidr_key = ("toEntities", "toCIDR") if direction == "egress" else ("fromEntities", "fromCIDR")
    allows = False
    for rule in spec[direction]:
        peer = (set(rule.get(entities_key, [])) & set(other.entities)) or any(
            other.namespace is None and _in_block(other.ip, {"cidr": c}) for c in rule.get(cidr_key, []))
        allows |= bool(peer) and _cilium_ports(rule, port, proto)
    return True, allows


def _side(policies: list[Obj], direction: str, me: Endpoint, other: Endpoint, port: int, proto: str,
          cni: str) -> tuple[bool, list[str]]:
    """(allowed on this side, the names of the policies that allow it)."""
    if me.namespace is None:
        return True, []  # nodes, the API server and outside clients are not governed by these policies
    isolated, allowing = False, []
    for policy in policies:
        if policy["kind"] == "NetworkPolicy":
            applies, allows = _k8s_verdict(policy, direction, me, other, port, proto, cni)
        elif policy["kind"] == "CiliumNetworkPolicy" and cni == "cilium":
            applies, allows = _cilium_verdict(policy, direction, me, other, port, proto)
        else:
            continue
        isolated |= applies
        if allows:
            allowing.append(f"{policy['kind']} {policy['metadata']['name']}")
    return bool(allowing) or not isolated, allowing


def allowed_by(policies: list[Obj], src: Endpoint, dst: Endpoint, port: int, proto: str = "TCP", *,
               cni: str) -> tuple[bool, list[str]]:
    """Whether a connection from src to dst:port/proto passes every policy in force under this CNI, and the
    policies that let it out of src and into dst."""
    out, egress = _side(policies, "egress", src, dst, port, proto, cni)
    into, ingress = _side(policies, "ingress", dst, src, port, proto, cni)
    return out and into, egress + ingress


def allowed(policies: list[Obj], src: Endpoint, dst: Endpoint, port: int, proto: str = "TCP", *,
            cni: str) -> bool:
    """Whether a connection from src to dst:port/proto passes every policy in force under this CNI."""
    return allowed_by(policies, src, dst, port, proto, cni=cni)[0]
