"""The real entry point as a process on a real Kratix file tree: env vars, output, status, atomicity."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ORCHESTRATOR_EXAMPLES, SHARED, request


def _tree(tmp_path: Path, doc: Any) -> Path:
    for sub in ("input", "output", "metadata"):
        (tmp_path / sub).mkdir()
    (tmp_path / "input" / "object.yaml").write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return tmp_path


def _run(root: Path, action: str, *args: str, extra_env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(extra_env or {}), "KRATIX_ROOT": str(root), "KRATIX_WORKFLOW_ACTION": action,
           "KRATIX_WORKFLOW_TYPE": "resource", "KRATIX_PROMISE_NAME": "vcluster-orchestrator-v2",
           "KRATIX_PIPELINE_NAME": f"vcluster-orchestrator-v2-{action}"}
    return subprocess.run([sys.executable, "-m", "vcluster_platform.pipeline", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_configure_writes_outputs_status_and_selectors(tmp_path: Path) -> None:
    root = _tree(tmp_path, ORCHESTRATOR_EXAMPLES[0].read_text())
    result = _run(root, "configure")
    assert result.returncode == 0, result.stderr
    outputs = sorted((root / "output").rglob("*.yaml"))
    assert outputs and {p.parent.name for p in outputs} <= {"platform", "resources"}
    status = yaml.safe_load((root / "metadata" / "status.yaml").read_text())
    assert status["phase"] == "Scheduled"
    assert sum(status["objectCounts"].values()) == len(outputs)
    selectors = yaml.safe_load((root / "metadata" / "destination-selectors.yaml").read_text())
    assert selectors == [{"directory": "platform", "matchLabels": {"environment": "platform"}}]
    assert not [p for p in root.iterdir() if p.name.startswith(".kratix-staging")]


def test_the_kratix_sdk_reads_what_the_pipeline_writes(tmp_path: Path) -> None:
    """The pipeline writes the contract files itself (no kubernetes import at start-up); the SDK is the judge."""
    import kratix_sdk

    root = _tree(tmp_path, ORCHESTRATOR_EXAMPLES[0].read_text())
    assert _run(root, "configure").returncode == 0
    kratix_sdk.set_input_dir(root / "input")
    kratix_sdk.set_output_dir(root / "output")
    kratix_sdk.set_metadata_dir(root / "metadata")
    sdk = kratix_sdk.KratixSDK()
    assert sdk.read_resource_input().get_value("spec.name") == yaml.safe_load(
        ORCHESTRATOR_EXAMPLES[0].read_text())["spec"]["name"]
    assert sdk.read_status().get("phase") == "Scheduled"
    assert [(s.directory, s.match_labels) for s in sdk.read_destination_selectors()] == [
        ("platform", {"environment": "platform"})]


HEAVY = ("kubernetes", "kratix_sdk", "pydantic", "kopf", "prometheus_client")


def _loaded_by_configure(root: Path) -> list[str]:
    """Top-level packages among HEAVY that one configure run (as the entry point runs it) imported."""
    code = ("import runpy, sys\n"
            "try:\n    runpy.run_module('vcluster_platform.pipeline', run_name='__main__')\n"
            "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    env = {**os.environ, "KRATIX_ROOT": str(root), "KRATIX_WORKFLOW_ACTION": "configure"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded: list[str] = eval(result.stdout.strip())  # noqa: S307 - our own printed list
    return loaded


@pytest.mark.parametrize("example", [*ORCHESTRATOR_EXAMPLES, SHARED / "examples" / "real" / "vcluster-media.yaml"],
                         ids=lambda p: p.stem)
def test_a_valid_request_loads_neither_the_api_client_nor_pydantic(tmp_path: Path, example: Path) -> None:
    """Start-up: a valid request is validated by the table-driven validator; nothing heavy is imported."""
    assert _loaded_by_configure(_tree(tmp_path, example.read_text())) == []


def test_status_names_are_the_rendered_names(tmp_path: Path) -> None:
    root = _tree(tmp_path, request("media"))
    assert _run(root, "configure").returncode == 0
    status = yaml.safe_load((root / "metadata" / "status.yaml").read_text())
    objects = [yaml.safe_load(p.read_text()) for p in (root / "output").rglob("*.yaml")]
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert ("ArgoCDApplication", status["application"]) in names
    assert ("Job", status["syncJob"]) in names
    targets = {o["spec"]["target"]["name"] for o in objects if o["kind"] == "ExternalSecret"}
    assert status["kubeconfigSecret"] in targets and status["argocdClusterSecret"] in targets
    job = next(o for o in objects if o["kind"] == "Job")
    env = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["OP_ITEM_TITLE"] == status["onePasswordItem"]


def test_invalid_request_writes_failed_status_and_no_output(tmp_path: Path) -> None:
    root = _tree(tmp_path, request("media", vcluster={"replicas": "three"}))
    result = _run(root, "configure")
    assert result.returncode == 2
    assert "spec.vcluster.replicas" in result.stderr
    assert list((root / "output").iterdir()) == []
    status = yaml.safe_load((root / "metadata" / "status.yaml").read_text())
    assert status["phase"] == "Failed" and "spec.vcluster.replicas" in status["message"]


def test_action_comes_from_the_environment_and_unknown_actions_fail(tmp_path: Path) -> None:
    root = _tree(tmp_path, request())
    result = _run(root, "reconcile")
    assert result.returncode == 2 and "unknown workflow action" in result.stderr


def test_delete_reports_a_cleanup_it_cannot_do(tmp_path: Path) -> None:
    root = _tree(tmp_path, request("media"))
    env_home = tmp_path / "home"
    env_home.mkdir()
    env = {**os.environ, "KRATIX_ROOT": str(root), "KRATIX_WORKFLOW_ACTION": "delete", "HOME": str(env_home),
           "KUBECONFIG": str(env_home / "missing")}
    env.pop("KUBERNETES_SERVICE_HOST", None)
    result = subprocess.run([sys.executable, "-m", "vcluster_platform.pipeline"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    status = yaml.safe_load((root / "metadata" / "status.yaml").read_text())
    assert status["phase"] == "Failed" and "cannot list vclusterorchestratorv2s" in status["message"]
    assert 'platform.integratn.tech/delete-volumes="false"' in status["message"]


class _Volumes:
    def __init__(self, names: list[str], broken: set[str] | None = None):
        self.names, self.broken, self.deleted, self.selector = names, broken or set(), [], ""

    def list_persistent_volume(self, label_selector: str) -> Any:
        self.selector = label_selector
        claim = type("Claim", (), {"namespace": "vcluster-media", "name": "data"})()
        spec = type("S", (), {"claim_ref": claim})()
        items = [type("PV", (), {"metadata": type("M", (), {"name": n})(), "spec": spec})()
                 for n in self.names if n not in self.deleted]
        return type("List", (), {"items": items})()

    def delete_persistent_volume(self, name: str) -> None:
        if name in self.broken:
            raise RuntimeError("forbidden")
        self.deleted.append(name)


@pytest.mark.parametrize("dry_run", [True, False])
def test_delete_cleans_syncer_volumes(dry_run: bool) -> None:
    from vcluster_platform.pipeline.delete import run_delete

    api = _Volumes(["pv-b", "pv-a"])
    status, code = run_delete(request("media"), dry_run, lambda: api, lister=lambda: [])
    assert code == 0 and api.selector == "vcluster.loft.sh/managed-by=media-x-vcluster-media"
    assert api.deleted == ([] if dry_run else ["pv-a", "pv-b"])
    assert status["phase"] == "Deleted" and "2 syncer" in status["message"]


def test_delete_failures_are_reported() -> None:
    from vcluster_platform.pipeline.delete import run_delete

    status, code = run_delete(request("media"), False, lambda: _Volumes(["pv-a", "pv-b"], {"pv-b"}),
                              lister=lambda: [])
    assert code == 1 and status["phase"] == "Failed" and "pv-b" in status["persistentVolumes"]["failed"]


def _configure_status(tmp_path: Path, doc: Any, **env: str) -> dict[str, Any]:
    root = _tree(tmp_path, doc)
    result = _run(root, "configure", extra_env=env)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = yaml.safe_load((root / "metadata" / "status.yaml").read_text())
    return loaded


def test_the_static_status_contract_says_where_to_reach_the_tenant(tmp_path: Path) -> None:
    doc = request("media", vcluster={"preset": "prod"}, exposure={"hostname": "media.example.com"})
    status = _configure_status(tmp_path, doc, VCLUSTER_PLATFORM_ARGOCD_URL="https://argocd.example.com/")
    assert status["endpoints"] == {
        "api": "https://media.example.com:443",
        "argocd": f"https://argocd.example.com/applications/argocd/{status['application']}"}
    assert status["credentials"] == {"kubeconfigSecret": status["kubeconfigSecret"],
                                     "onePasswordItem": status["onePasswordItem"]}
    assert status["credentials"]["kubeconfigSecret"] and status["applicationNamespace"] == "argocd"


def test_without_an_argocd_url_there_is_no_link(tmp_path: Path) -> None:
    assert _configure_status(tmp_path, request("media"))["endpoints"]["argocd"] == ""


def test_a_rerun_leaves_the_live_phase_to_the_status_reconciler(tmp_path: Path) -> None:
    doc = {**request("media"), "status": {"phase": "Ready", "message": "vCluster media is ready",
                                          "lastReconciled": "2026-11-27T10:00:00Z"}}
    status = _configure_status(tmp_path, doc)
    assert "phase" not in status and "message" not in status
    assert status["objectCounts"] and status["endpoints"]["api"]


def test_an_argocd_url_that_is_not_a_url_is_refused_with_its_variable(tmp_path: Path) -> None:
    root = _tree(tmp_path, request("media"))
    result = _run(root, "configure", extra_env={"VCLUSTER_PLATFORM_ARGOCD_URL": "argocd.example.com"})
    assert result.returncode == 2
    assert "env VCLUSTER_PLATFORM_ARGOCD_URL" in result.stderr and "allowed: an http(s) URL" in result.stderr
    assert not list((root / "output").rglob("*.yaml"))


def test_render_of_a_file_stays_offline_even_with_a_kubeconfig(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """`vcluster-platform render` never reaches for a cluster: a KUBECONFIG that points nowhere changes nothing
    (the pipeline's one-tenant-per-name check runs only in a Kratix run)."""
    from vcluster_platform.cli import render_to

    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-such-kubeconfig"))
    source = tmp_path / "media.yaml"
    source.write_text(yaml.safe_dump(request("media")))
    assert render_to(source, tmp_path / "out") == 0
    (tmp_path / "kratix").mkdir()
    root = _tree(tmp_path / "kratix", request("media"))
    result = _run(root, "configure", extra_env={"KUBECONFIG": str(tmp_path / "no-such-kubeconfig")})
    assert result.returncode == 1 and "cannot list vclusterorchestratorv2s" in result.stderr
