"""What an OpenShift cluster must not be doing when a vCenter migration starts: pure checks over objects read
from the API server, each returning what is wrong and what to do about it (empty when all is well)."""

from __future__ import annotations

from collections import Counter
from typing import Any

GATE = "VSphereMultiVCenterDay2"
VSPHERE_CSI_DRIVER = "csi.vsphere.vmware.com"
# MachineHealthChecks the platform itself creates; any other one is the user's.
PLATFORM_HEALTH_CHECKS = frozenset({"machine-api-termination-handler"})
Obj = dict[str, Any]


def upgrade_problems(cluster_version: Obj | None) -> list[str]:
    """A cluster upgrade in progress (ClusterVersion Progressing=True) replaces nodes and operators itself."""
    conditions = {c.get("type"): c for c in ((cluster_version or {}).get("status") or {}).get("conditions") or []}
    progressing = conditions.get("Progressing") or {}
    if progressing.get("status") != "True":
        return []
    return [f"a cluster upgrade is in progress (ClusterVersion Progressing: {progressing.get('message') or 'True'});"
            " wait until it has finished, then start the migration"]


def feature_gate_problems(feature_gate: Obj | None, cluster_version: Obj | None) -> list[str]:
    """The Infrastructure accepts a second vCenter on day 2 only with the gate enabled for the running version."""
    desired = (((cluster_version or {}).get("status") or {}).get("desired") or {}).get("version")
    entries = ((feature_gate or {}).get("status") or {}).get("featureGates") or []
    current = [e for e in entries if e.get("version") == desired] or entries
    if any(GATE in {g.get("name") for g in e.get("enabled") or []} for e in current):
        return []
    return [f"the {GATE} feature gate is not enabled{f' on {desired}' if desired else ''}: the Infrastructure "
            "would refuse the target vCenter; enable it (featuregate/cluster: CustomNoUpgrade with "
            f"{GATE}, or a release where it is on by default) and retry"]


def volume_problems(volumes: list[Obj]) -> list[str]:
    """vSphere volumes (CSI or in-tree) stay on the source vCenter's datastores: they cannot follow the VMs."""
    names = sorted(pv["metadata"]["name"] for pv in volumes
                   if ((pv.get("spec") or {}).get("csi") or {}).get("driver") == VSPHERE_CSI_DRIVER
                   or (pv.get("spec") or {}).get("vsphereVolume"))
    if not names:
        return []
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return [f"{len(names)} PersistentVolume(s) on vSphere storage ({shown}): their disks stay on the source "
            "vCenter's datastores and would be unreachable from the target; move the data off them (or delete "
            "them) before migrating"]


def csi_driver_problems(driver: Obj | None) -> list[str]:
    """The vSphere ClusterCSIDriver must let its operator re-render the driver's configuration for the target
    vCenter (Managed) and must not already be failing at it (a Degraded condition). Absent or Removed: there is
    no vSphere driver to reconfigure."""
    if driver is None:
        return []
    state = (driver.get("spec") or {}).get("managementState") or "Managed"
    if state == "Removed":
        return []
    problems = []
    if state not in ("Managed", "Force"):
        problems.append(f"ClusterCSIDriver {VSPHERE_CSI_DRIVER} is {state}: its operator would not give the "
                        "driver the target vCenter; set spec.managementState to Managed and retry")
    degraded = sorted(str(c.get("type")) for c in ((driver.get("status") or {}).get("conditions") or [])
                      if str(c.get("type", "")).endswith("Degraded") and c.get("status") == "True")
    if degraded:
        problems.append(f"ClusterCSIDriver {VSPHERE_CSI_DRIVER} is degraded ({', '.join(degraded)}): fix the "
                        "vSphere CSI driver first (oc describe clustercsidriver " + VSPHERE_CSI_DRIVER + ")")
    return problems


def remediation_problems(health_checks: list[Obj], cluster_autoscalers: list[Obj],
                         machine_autoscalers: list[Obj]) -> list[str]:
    """Remediation and autoscaling delete or add Machines while the migration replaces them."""
    found = [f"MachineHealthCheck {m['metadata']['name']}" for m in health_checks
             if m["metadata"]["name"] not in PLATFORM_HEALTH_CHECKS]
    found += [f"ClusterAutoscaler {a['metadata']['name']}" for a in cluster_autoscalers]
    found += [f"MachineAutoscaler {a['metadata']['name']}" for a in machine_autoscalers]
    if not found:
        return []
    return [f"{', '.join(sorted(found))} would delete or add Machines while the migration replaces them; "
            "delete them for the migration (keep a copy) and re-create them once it has succeeded"]


def topology_problems(vcenters: list[Obj], source: str, infra_domains: list[Obj], new_domains: list[str]
                      ) -> list[str]:
    """One source datacenter, and failure-domain names that are unique and new."""
    problems = []
    datacenters = next((list(v.get("datacenters") or []) for v in vcenters if v.get("server") == source), [])
    if len(datacenters) > 1:
        problems.append(f"the source vCenter {source} spans {len(datacenters)} datacenters "
                        f"({', '.join(datacenters)}); one source datacenter per migration is supported")
    repeated = sorted(name for name, count in Counter(new_domains).items() if count > 1)
    if repeated:
        problems.append(f"spec.failureDomains repeats the name(s) {', '.join(repeated)}; each must be unique")
    taken = sorted({str(d.get("name")) for d in infra_domains if d.get("server") == source} & set(new_domains))
    if taken:
        problems.append(f"failure domain name(s) {', '.join(taken)} already belong to the source vCenter in the "
                        "Infrastructure; choose new names for the target's failure domains")
    return problems
