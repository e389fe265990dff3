"""TLS for a deployed etcd: a per-tenant cert-manager chain and the Secret `<name>-etcd-certs` the control
plane mounts at /etcd-certs.

Chain: a self-signed Issuer signs the tenant's etcd CA Certificate; a CA Issuer on that CA signs a server
and a peer Certificate whose DNS names cover the etcd Service, its headless Service and every member pod, in
short, namespace, `svc` and `svc.<clusterDomain>` forms, plus localhost (and 127.0.0.1 for the server). The
specs equal what running tenants have, so taking them over re-issues nothing. cert-manager writes one
Secret per certificate; the control plane mounts one Secret with the keys `etcd-ca.crt`, `etcd-server.crt`,
`etcd-server.key`, `etcd-peer.crt`, `etcd-peer.key`, so a Job combines them (and a daily CronJob repeats it,
so renewed certificates reach the combined Secret). The pipeline itself never writes a Secret.
"""

from __future__ import annotations

import hashlib

from ..models import EffectiveSettings
from ..sync_script import MERGE_SCRIPT, MERGE_SCRIPT_FILE, merge_script_digest
from .jobs import SA_DIR, identity, job_spec, script_configmap, script_container, script_pod
from .meta import WAVE_RBAC, WAVE_SECRETS, Obj, metadata, obj

CERT_MANAGER_API = "cert-manager.io/v1"
RENEW_SCHEDULE = "23 3 * * *"


def _issuer(s: EffectiveSettings, name: str, spec: Obj) -> Obj:
    return obj(CERT_MANAGER_API, "Issuer", metadata(s, name, s.target_namespace, WAVE_RBAC), spec=spec)


def _issuer_ref(name: str) -> Obj:
    return {"group": "cert-manager.io", "kind": "Issuer", "name": name}


def etcd_dns_names(s: EffectiveSettings) -> list[str]:
    """Every name a client or a peer may use for the etcd members of this tenant."""
    service, ns, domain = s.names.etcd_service, s.target_namespace, s.cluster_domain
    headless = f"{service}-headless"
    names: list[str] = []
    for svc in (service, headless):
        names += [svc, f"{svc}.{ns}", f"{svc}.{ns}.svc", f"{svc}.{ns}.svc.{domain}"]
    for i in range(s.etcd_replicas):
        pod = f"{service}-{i}"
        names += [pod, f"{pod}.{headless}.{ns}", f"{pod}.{headless}.{ns}.svc", f"{pod}.{headless}.{ns}.svc.{domain}"]
    return [*names, "localhost"]


def _certificate(s: EffectiveSettings, role: str) -> Obj:
    name = f"{s.names.etcd_service}-{role}"
    spec = {
        "commonName": s.names.etcd_service,
        "secretName": name,
        "dnsNames": etcd_dns_names(s),
        **({"ipAddresses": ["127.0.0.1"]} if role == "server" else {}),
        "usages": ["server auth", "client auth"],
        "privateKey": {"algorithm": "RSA", "size": 2048},
        "issuerRef": _issuer_ref(f"{s.names.etcd_service}-ca"),
    }
    return obj(CERT_MANAGER_API, "Certificate", metadata(s, name, s.target_namespace, WAVE_RBAC), spec=spec)


def render_etcd_chain(s: EffectiveSettings) -> list[Obj]:
    etcd = s.names.etcd_service
    ca = obj(CERT_MANAGER_API, "Certificate", metadata(s, f"{etcd}-ca", s.target_namespace, WAVE_RBAC), spec={
        "isCA": True,
        "commonName": f"{etcd}-ca",
        "secretName": f"{etcd}-ca",
        "privateKey": {"algorithm": "RSA", "size": 2048},
        "issuerRef": _issuer_ref(f"{etcd}-selfsigned"),
    })
    return [
        _issuer(s, f"{etcd}-selfsigned", {"selfSigned": {}}),
        ca,
        _issuer(s, f"{etcd}-ca", {"ca": {"secretName": f"{etcd}-ca"}}),
        _certificate(s, "server"),
        _certificate(s, "peer"),
    ]


def _merge_env(s: EffectiveSettings) -> dict[str, str]:
    etcd = s.names.etcd_service
    return {
        "ETCD_NAMESPACE": s.target_namespace,
        "ETCD_SERVER_SECRET": f"{etcd}-server",
        "ETCD_PEER_SECRET": f"{etcd}-peer",
        "ETCD_CERTS_SECRET": s.names.etcd_certs_secret,
        "SA_DIR": SA_DIR,
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def render_merge_rbac(s: EffectiveSettings) -> list[Obj]:
    """Read the two issued Secrets, write the combined one; create cannot be limited by name in RBAC."""
    etcd, target = s.names.etcd_service, s.names.etcd_certs_secret
    rules = [
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": [f"{etcd}-server", f"{etcd}-peer", target],
         "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": [target], "verbs": ["update"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]},
    ]
    script = script_configmap(s, s.names.etcd_merge, WAVE_RBAC, MERGE_SCRIPT_FILE, MERGE_SCRIPT)
    return [*identity(s, s.names.etcd_merge, WAVE_RBAC, rules), script]


def merge_job_name(s: EffectiveSettings) -> str:
    material = "\n".join([merge_script_digest(s.platform.job_image), s.reconcile_at, *sorted(_merge_env(s).values())])
    return f"{s.names.etcd_service}-merge-{hashlib.sha256(material.encode()).hexdigest()[:8]}"


def _merge_pod(s: EffectiveSettings) -> Obj:
    container = script_container(s.platform.job_image, MERGE_SCRIPT_FILE, _merge_env(s), [])
    return script_pod(s.names.etcd_merge, s.names.etcd_merge, container, [])


def render_merge_jobs(s: EffectiveSettings) -> list[Obj]:
    job_meta = metadata(s, merge_job_name(s), s.target_namespace, WAVE_SECRETS)
    cron_meta = metadata(s, s.names.etcd_renew, s.target_namespace, WAVE_SECRETS)
    job = obj("batch/v1", "Job", job_meta, spec=job_spec(job_meta["labels"], _merge_pod(s)))
    cron = obj("batch/v1", "CronJob", cron_meta, spec={
        "schedule": RENEW_SCHEDULE,
        "concurrencyPolicy": "Forbid",
        "successfulJobsHistoryLimit": 1,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": {"spec": job_spec(cron_meta["labels"], _merge_pod(s))},
    })
    return [job, cron]


def render_etcd_certs(s: EffectiveSettings) -> list[Obj]:
    """Only for a deployed etcd; the embedded database needs no certificates."""
    if s.backing_store != "etcd":
        return []
    return [*render_etcd_chain(s), *render_merge_rbac(s), *render_merge_jobs(s)]
