"""`migrate check --plan`: the phased switch of one running vCluster to this platform, with its commands and a
rollback per phase. Two starting points: the v1 bash stack (its own request kind, switched per tenant) and
today's pipeline (the same `VClusterOrchestratorV2` kind, so the switch is the promise's pipeline).
"""

from __future__ import annotations

from dataclasses import dataclass

from .migrate import Identity
from .models.platform import PLATFORM_ENV

_DELETE_ENV = "/spec/workflows/resource/delete/0/spec/containers/0/env"
# The delete pipeline's env holds the platform settings; the dry-run switch is appended after them.
DRY_RUN_ON = ("kubectl patch promise vcluster-orchestrator-v2 --type json -p '[{\"op\":\"add\",\"path\":"
              f"\"{_DELETE_ENV}/-\",\"value\":{{\"name\":\"VCLUSTER_PLATFORM_DRY_RUN\",\"value\":\"true\"}}}}]'")
DRY_RUN_OFF = ("kubectl patch promise vcluster-orchestrator-v2 --type json -p '[{\"op\":\"remove\",\"path\":"
               f"\"{_DELETE_ENV}/{len(PLATFORM_ENV)}\"}}]'   # the dry-run switch appended earlier")

@dataclass(frozen=True)
class PlanPhase:
    title: str
    steps: tuple[str, ...]
    rollback: tuple[str, ...]


def migration_plan(v2: Identity, request_file: str, request_name: str, request_namespace: str,
                   v1_dir: str) -> list[PlanPhase]:
    """The phased, zero-downtime switch of one running vCluster from the v1 stack to v2, with its commands."""
    app = f"-n {v2.application_namespace} application {v2.application}"
    sts = f"-n {v2.namespace} statefulset {v2.statefulset}"
    uid = f"kubectl get {sts} -o jsonpath='{{.metadata.uid}}'"
    test = f"{v2.release}-v2-test"
    return [
        PlanPhase("1. Install the v2 promises beside v1", (
            "kubectl get promise argocd-project argocd-application -o "
            "custom-columns=NAME:.metadata.name,KIND:.spec.api.spec.names.kind   # must not list the v1 kinds "
            "ArgocdProject/ArgocdApplication: applying ours over them would replace the API the running "
            "sub-requests use",
            "kubectl apply -f promises/argocd-project/promise.yaml -f promises/argocd-application/promise.yaml",
            "kubectl apply -f promises/vcluster-orchestrator-v2/promise.yaml",
            "kubectl wait promise/vcluster-orchestrator-v2 --for=jsonpath='{.status.status}'=Available "
            "--timeout=10m",
            f"{uid}   # note the control-plane StatefulSet uid; it must not change in any later phase",
        ), (
            "kubectl delete promise vcluster-orchestrator-v2 argocd-application argocd-project   # no v2 requests "
            "exist yet, so nothing running is touched",
        )),
        PlanPhase("2. Prove v2 on a disposable vCluster", (
            f"vcluster-platform render {request_file} --output-dir /tmp/{test}   # then copy the request as "
            f"{test}.yaml with metadata.name and spec.name set to {test} and the dev preset",
            f"kubectl apply -f {test}.yaml",
            f"kubectl -n {request_namespace} get vclusterorchestratorv2 {test} -o jsonpath='{{.status}}'",
            f"kubectl -n argocd get application vcluster-{test}   # Synced and Healthy",
            f"kubectl -n vcluster-{test} rollout status statefulset/{test} --timeout=10m",
            f"kubectl delete -f {test}.yaml   # exercise the delete workflow; then check nothing is left: "
            f"kubectl get all,pvc -n vcluster-{test}",
        ), (
            f"kubectl delete -f {test}.yaml --ignore-not-found",
        )),
        PlanPhase(f"3. Switch {v2.release} in place", (
            f"vcluster-platform migrate check --v1 {v1_dir} --v2 {request_file}   # must pass (exit 0)",
            *_protect(v2),
            DRY_RUN_ON + "   # a later rollback must not let the v2 delete workflow remove the tenant's volumes",
            f"kubectl apply -f {request_file}   # the v2 request beside the v1 one, same name: same Application",
            f"argocd app diff {v2.application}   # expect no change to StatefulSet {v2.statefulset}",
            f"kubectl -n {request_namespace} delete vclusterorchestrator {request_name}   # retire the v1 request",
            f"{uid}   # unchanged",
            f"kubectl get {sts} -o jsonpath='{{.status.readyReplicas}}'   # all replicas ready, no restarts",
        ), (
            f"kubectl apply -f <the v1 request for {request_name}>   # v1 takes the objects back",
            f"kubectl -n {request_namespace} delete vclusterorchestratorv2 {request_name}   # delete workflow runs "
            "in dry-run (patched above), so no volume is removed",
            f"{uid}   # unchanged",
        )),
        PlanPhase("4. Soak (one to two weeks)", (
            f"argocd app get {v2.application}   # Synced/Healthy every day",
            f"kubectl get events -n {v2.namespace} --sort-by=.lastTimestamp",
            f"{uid}   # unchanged",
        ), (
            "as phase 3's rollback",
        )),
        PlanPhase("5. Clean up", (
            f"kubectl annotate {app} argocd.argoproj.io/sync-options-",
            f"kubectl annotate namespace {v2.namespace} argocd.argoproj.io/sync-options-",
            DRY_RUN_OFF,
            "kubectl get vclusterorchestrator -A   # must list nothing before the v1 promise goes",
            "kubectl delete promise vcluster-orchestrator   # then the v1 sub-promises, one by one",
        ), (
            "kubectl apply -f <the v1 promise files from git history>   # only needed if a v1 request must return",
        )),
    ]




def format_plan(phases: list[PlanPhase]) -> str:
    lines = []
    for phase in phases:
        lines.append(f"\n{phase.title}")
        lines += [f"  $ {step}" for step in phase.steps]
        lines.append("  rollback:")
        lines += [f"  $ {step}" for step in phase.rollback]
    return "\n".join(lines)


def _protect(v2: Identity) -> tuple[str, ...]:
    """Annotations that keep the live Application and namespace out of any prune during the switch."""
    keep = "argocd.argoproj.io/sync-options=Prune=false"
    return (f"kubectl annotate -n {v2.application_namespace} application {v2.application} {keep} --overwrite",
            f"kubectl annotate namespace {v2.namespace} {keep} --overwrite")


def _keep_policies(v2: Identity, old_policies: tuple[str, ...]) -> tuple[str, ...]:
    """Today's policies stay in force until ours are proven: no moment in which a needed flow has neither."""
    keep = "argocd.argoproj.io/sync-options=Prune=false"
    return tuple(f"kubectl annotate -n {v2.namespace} {policy.lower()} {keep} --overwrite   # today's policy "
                 "stays until phase 5" for policy in old_policies)


def _drop_policies(v2: Identity, old_policies: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"kubectl delete -n {v2.namespace} {policy.lower()}   # ours alone keep every needed flow "
                 "(migrate check, flow level)" for policy in old_policies)


def takeover_plan(v2: Identity, request_file: str, request_name: str, request_namespace: str,
                  running_dir: str, old_policies: tuple[str, ...] = ()) -> list[PlanPhase]:
    """From today's pipeline (same request kind): the promise's pipeline changes for every tenant at once, so
    every tenant is checked first, and ApplicationSets may not delete while the cluster secret changes hands.

    Network policies change names (ours are `<name>-` prefixed). Today's are kept (Prune=false) from phase 2 to
    phase 5, ours arrive in phase 3: in between both are in force, and a union of allows only widens, so no
    needed flow is ever without a policy allowing it; phase 1's flow check proves ours alone keep every needed
    flow, so deleting today's in phase 5 cuts nothing."""
    sts = f"-n {v2.namespace} statefulset {v2.statefulset}"
    uid = f"kubectl get {sts} -o jsonpath='{{.metadata.uid}}'"
    secrets = f"kubectl -n argocd get secret -l argocd.argoproj.io/secret-type=cluster,cluster_name={v2.cluster_name}"
    return [
        PlanPhase("1. Check every tenant offline (nothing changes)", (
            f"vcluster-platform migrate check --v1 {running_dir} --v2 {request_file}   # must PASS (exit 0)",
            f"vcluster-platform diff {running_dir} {request_file}   # every line is in the README's takeover list",
            "kubectl get vclusterorchestratorv2 -A   # repeat both for each tenant: the switch below is the "
            "promise's, so it reaches every tenant at once",
            "kubectl get promise vcluster-orchestrator-v2 argocd-project argocd-application -o yaml > "
            "promises-before.yaml   # the rollback",
        ), ("nothing to undo",)),
        PlanPhase("2. Protect what changes hands", (
            *_protect(v2),
            "kubectl -n argocd patch applicationset <each add-on ApplicationSet> --type merge -p "
            "'{\"spec\":{\"syncPolicy\":{\"applicationsSync\":\"create-update\",\"preserveResourcesOnDeletion\""
            ":true}}}'   # the old ArgoCDClusterRegistration and its cluster secret go; no generated Application "
            "may be deleted meanwhile",
            f"{secrets} -o name   # note today's cluster secret",
            f"{uid}   # note the control-plane StatefulSet uid; it must not change",
            *_keep_policies(v2, old_policies),
        ), (
            "kubectl -n argocd patch applicationset <each> --type json -p "
            "'[{\"op\":\"remove\",\"path\":\"/spec/syncPolicy/applicationsSync\"}]'",
        )),
        PlanPhase("3. Switch the pipelines", (
            "kubectl apply -f promises/argocd-project/promise.yaml -f promises/argocd-application/promise.yaml",
            "kubectl apply -f promises/vcluster-orchestrator-v2/promise.yaml   # same promise and kind: Kratix "
            "re-runs configure for every request with this pipeline",
            DRY_RUN_ON + "   # a later rollback must not let the delete workflow remove any tenant's volumes",
            f"kubectl -n {request_namespace} get vclusterorchestratorv2 {request_name} -o jsonpath='{{.status}}'",
            f"{secrets} --show-labels   # ours ({v2.cluster_name}-argocd-cluster) with the same server "
            f"{v2.cluster_server} and every selector label; then delete the old secret if it is still there",
            f"kubectl get -n {v2.namespace} service {v2.release} -o wide   # same type and EXTERNAL-IP as before",
            f"{uid}   # unchanged",
            f"argocd app get {v2.application}   # Synced/Healthy; argocd appset list: every add-on Application is "
            "still there",
            f"kubectl get -n {v2.namespace} networkpolicy,ciliumnetworkpolicy   # ours ({v2.release}-*) beside "
            "today's (kept until phase 5)",
        ), (
            "kubectl apply -f promises-before.yaml   # today's pipeline renders again; objects return as they were",
            f"{uid}   # unchanged",
        )),
        PlanPhase("4. Soak (one to two weeks)", (
            f"argocd app get {v2.application}   # Synced/Healthy every day",
            f"kubectl get events -n {v2.namespace} --sort-by=.lastTimestamp",
            f"{uid}   # unchanged",
        ), ("as phase 3's rollback",)),
        PlanPhase("5. Clean up", (
            f"kubectl annotate -n {v2.application_namespace} application {v2.application} "
            "argocd.argoproj.io/sync-options-",
            f"kubectl annotate namespace {v2.namespace} argocd.argoproj.io/sync-options-",
            "kubectl -n argocd patch applicationset <each> --type json -p "
            "'[{\"op\":\"remove\",\"path\":\"/spec/syncPolicy/applicationsSync\"}]'",
            *_drop_policies(v2, old_policies),
            DRY_RUN_OFF,
        ), ("nothing to undo",)),
    ]
