"""validate, diff and migrate check as users run them: the CLI entry point, exit codes, messages."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ORCHESTRATOR_EXAMPLES, REPO, load, rendered_objects
from vcluster_platform.cli import main

MEDIA = REPO / "promises" / "vcluster-orchestrator-v2" / "examples" / "media-prod.yaml"
V1_MEDIA = REPO / "promises" / "vcluster-orchestrator-v2" / "migration" / "v1-media"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


# --- validate -----------------------------------------------------------------------------------------------

def test_validate_passes_examples_and_their_renders(capsys: pytest.CaptureFixture[str], render: Any) -> None:
    code, out = render(load(MEDIA))
    assert code == 0
    code, stdout, _ = run(capsys, "validate", *map(str, ORCHESTRATOR_EXAMPLES), str(out / "output"))
    assert code == 0, stdout
    checked = len(ORCHESTRATOR_EXAMPLES) + len(rendered_objects(out))
    assert f"{checked} document(s) checked: 0 error(s)" in stdout


def test_validate_reports_every_problem_with_file_object_and_field(capsys: pytest.CaptureFixture[str],
                                                                    tmp_path: Path, render: Any) -> None:
    bad_request = load(MEDIA)
    bad_request["spec"]["vcluster"]["replicas"] = 12
    bad_request["spec"]["exposure"]["apiPort"] = "https"
    request_file = write(tmp_path / "bad-request.yaml", bad_request)
    code, out = render(load(MEDIA))
    objects = rendered_objects(out)
    configmap = next(o for o in objects if o["kind"] == "ConfigMap")
    configmap["data"] = {"key": 7}
    job = next(o for o in objects if o["kind"] == "Job")
    job["spec"]["backoffLimit"] = "three"
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "leak", "namespace": "x"}}
    manifests = tmp_path / "manifests.yaml"
    manifests.write_text(yaml.safe_dump_all([configmap, job, secret]))
    code, stdout, _ = run(capsys, "validate", str(request_file), str(manifests))
    assert code == 1
    lines = stdout.splitlines()

    def line_with(*parts: str) -> str:
        found = [line for line in lines if all(p in line for p in parts)]
        assert found, f"no line with {parts} in:\n{stdout}"
        return found[0]

    line_with(str(request_file), "spec.vcluster.replicas", "12")
    line_with(str(request_file), "spec.exposure.apiPort", '"https"')
    line_with(f"{manifests}#1", f"ConfigMap {configmap['metadata']['namespace']}/{configmap['metadata']['name']}",
              "data.key")
    line_with(f"{manifests}#2", "Job", "spec.backoffLimit", "three")
    line_with(f"{manifests}#3", "Secret x/leak", "ExternalSecret")


def test_validate_missing_path_and_bad_yaml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: 1\na: 2\n")
    code, stdout, _ = run(capsys, "validate", str(tmp_path / "nope"), str(broken))
    assert code == 1
    assert f"{tmp_path / 'nope'}: <file>: error: no such file or directory" in stdout
    assert str(broken) in stdout and "duplicate" in stdout.lower()


def test_validate_checks_helm_values_inside_applications(capsys: pytest.CaptureFixture[str], render: Any,
                                                         tmp_path: Path) -> None:
    from vcluster_platform.manifests import with_promise_outputs

    code, out = render(load(MEDIA))
    app = next(o for o in with_promise_outputs(rendered_objects(out))
               if o["kind"] == "Application" and o["spec"]["source"].get("chart"))
    app["spec"]["source"]["helm"]["valuesObject"]["controlPlane"]["notAChartKey"] = True
    code, stdout, _ = run(capsys, "validate", str(write(tmp_path / "app.yaml", app)))
    assert code == 1
    assert "spec.source.helm.valuesObject.controlPlane" in stdout and "notAChartKey" in stdout


# --- diff ---------------------------------------------------------------------------------------------------

def test_diff_of_a_render_with_itself_is_empty(capsys: pytest.CaptureFixture[str], render: Any) -> None:
    code, out = render(load(MEDIA))
    code, stdout, _ = run(capsys, "diff", str(out / "output"), str(MEDIA))
    assert (code, stdout.strip()) == (0, "no differences")


def test_diff_shows_added_removed_and_field_changes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    changed = load(MEDIA)
    changed["spec"]["vcluster"]["persistence"]["size"] = "20Gi"
    changed["spec"]["exposure"] = {"hostname": "media.integratn.tech", "subnet": "10.0.4.0/24", "apiPort": 443,
                                   "mode": "loadBalancer"}
    b = write(tmp_path / "b.yaml", changed)
    code, stdout, _ = run(capsys, "diff", str(MEDIA), str(b), "--output", "json")
    assert code == 1
    diffs = json.loads(stdout)
    by_kind = {(d["kind"], d["status"]) for d in diffs}
    assert ("TLSRoute", "removed") in by_kind and ("ArgoCDApplication", "changed") in by_kind
    app = next(d for d in diffs if d["kind"] == "ArgoCDApplication" and d["name"] == "vcluster-media")
    paths = {c["path"]: c for c in app["changes"]}
    size = paths["spec.source.helm.valuesObject.controlPlane.statefulSet.persistence.volumeClaim.size"]
    assert (size["old"], size["new"], size["op"]) == ("10Gi", "20Gi", "replace")
    service_type = paths["spec.source.helm.valuesObject.controlPlane.service.spec.type"]
    assert (service_type["old"], service_type["new"], service_type["op"]) == (None, "LoadBalancer", "add")

    code, text, _ = run(capsys, "diff", str(MEDIA), str(b), "--color", "always")
    assert "\033[31m- TLSRoute vcluster-media/media-api" in text
    assert "~ spec.source.helm.valuesObject.controlPlane.statefulSet.persistence.volumeClaim.size" in text
    code, plain, _ = run(capsys, "diff", str(MEDIA), str(b), "--color", "never")
    assert "\033[" not in plain


def test_diff_compares_helm_values_strings_as_data(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    app = load(V1_MEDIA / "22-application-vcluster-media.yaml")
    reformatted = copy.deepcopy(app)
    values = yaml.safe_load(app["spec"]["source"]["helm"]["values"])
    reformatted["spec"]["source"]["helm"]["values"] = json.dumps(values)  # same data, other text
    write(tmp_path / "a" / "app.yaml", app)
    write(tmp_path / "b" / "app.yaml", reformatted)
    assert run(capsys, "diff", str(tmp_path / "a"), str(tmp_path / "b"))[0] == 0
    values["controlPlane"]["statefulSet"]["highAvailability"]["replicas"] = 1
    reformatted["spec"]["source"]["helm"]["values"] = yaml.safe_dump(values)
    write(tmp_path / "b" / "app.yaml", reformatted)
    code, stdout, _ = run(capsys, "diff", str(tmp_path / "a"), str(tmp_path / "b"), "--color", "never")
    assert code == 1
    assert "~ spec.source.helm.values.controlPlane.statefulSet.highAvailability.replicas: 3 → 1" in stdout


def test_diff_bad_input_exits_2_without_a_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = load(MEDIA)
    bad["spec"]["vcluster"]["preset"] = "huge"
    code, _, stderr = run(capsys, "diff", str(MEDIA), str(write(tmp_path / "bad.yaml", bad)))
    assert code == 2 and "spec.vcluster.preset" in stderr and "Traceback" not in stderr


# --- migrate check ------------------------------------------------------------------------------------------

def _v1_kubeconfig_named_as_ours(tmp_path: Path) -> Path:
    """The v1 fixture with its kubeconfig ExternalSecret named as v2 names it (`vcluster-<name>-kubeconfig`)."""
    target = tmp_path / "v1-same"
    shutil.copytree(V1_MEDIA, target)
    secret_file = target / "23-externalsecret-media-kubeconfig.yaml"
    secret = load(secret_file)
    secret["metadata"]["name"] = secret["spec"]["target"]["name"] = "vcluster-media-kubeconfig"
    write(secret_file, secret)
    return target


def test_identical_identity_passes_and_plan_has_a_rollback_per_phase(capsys: pytest.CaptureFixture[str],
                                                                     tmp_path: Path) -> None:
    v1 = _v1_kubeconfig_named_as_ours(tmp_path)
    code, stdout, _ = run(capsys, "migrate", "check", "--v1", str(v1), "--v2", str(MEDIA), "--plan")
    assert code == 0, stdout
    assert "PASS" in stdout and "0 blocking" in stdout
    phases = [line for line in stdout.splitlines() if line[:2] in {f"{n}." for n in range(1, 10)}]
    assert len(phases) == 5
    assert stdout.count("  rollback:") == 5
    assert "kubectl annotate -n argocd application vcluster-media argocd.argoproj.io/sync-options=Prune=false" in stdout
    assert "kubectl -n platform-requests delete vclusterorchestrator media" in stdout
    assert "statefulset media" in stdout


def _v1_with(tmp_path: Path, change: Any) -> Path:
    target = tmp_path / "v1"
    shutil.copytree(V1_MEDIA, target)
    app_file = target / "22-application-vcluster-media.yaml"
    app = load(app_file)
    values = yaml.safe_load(app["spec"]["source"]["helm"]["values"])
    change(app, values)
    app["spec"]["source"]["helm"]["values"] = yaml.safe_dump(values)
    write(app_file, app)
    return target


def _v2_with(tmp_path: Path, change: Any) -> Path:
    doc = load(MEDIA)
    change(doc["spec"])
    return write(tmp_path / "v2.yaml", doc)


def _set(path: list[str], value: Any) -> Any:
    def change(*targets: Any) -> None:
        node = targets[-1]
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return change


BLOCKING_CASES = [
    ("release name", "v1", lambda app, values: app["spec"]["source"]["helm"].update(releaseName="media-vc"),
     "release: 'media-vc' → 'media'", "release name changes: Helm installs a new release"),
    ("release defaults to the Application name", "v1",
     lambda app, values: app["spec"]["source"]["helm"].pop("releaseName"),
     "release: 'vcluster-media' → 'media'", "prune deletes the old control plane"),
    ("Application name", "v1", lambda app, values: app["metadata"].update(name="media"),
     "application: 'media' → 'vcluster-media'", "resources finalizer, which deletes the running release"),
    ("namespace", "v2", _set(["targetNamespace"], "media"),
     "namespace: 'vcluster-media' → 'media'", "target namespace changes"),
    ("persistence size", "v2", _set(["vcluster", "persistence", "size"], "20Gi"),
     "'size': '10Gi'", "volumeClaimTemplates of a StatefulSet are immutable"),
    ("storage class", "v2", _set(["vcluster", "persistence", "storageClass"], "fast-ssd"),
     "'storageClass': 'fast-ssd'", "volumeClaimTemplates of a StatefulSet are immutable"),
    ("backing store", "v1", lambda app, values: values["controlPlane"].pop("backingStore"),
     "backing_store: 'embedded database (SQLite)' → 'etcd (deployed StatefulSet)'",
     "the control plane starts on an empty datastore"),
    ("kubeconfig Secret name (the seeds' v1 name)", "none", lambda app, values: None,
     "kubeconfig_secret: 'media-kubeconfig' → 'vcluster-media-kubeconfig'",
     "every consumer that mounts or reads it loses its credentials"),
    ("etcd replicas", "v1", lambda app, values: _set(
        ["controlPlane", "backingStore", "etcd", "deploy", "statefulSet", "highAvailability", "replicas"], 1)(values),
     "etcd_replicas: 1 → 3", "membership"),
]


@pytest.mark.parametrize(("case", "side", "change", "shown", "consequence"), BLOCKING_CASES,
                         ids=[c[0] for c in BLOCKING_CASES])
def test_each_identity_change_fails_with_its_own_message(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                         case: str, side: str, change: Any, shown: str,
                                                         consequence: str) -> None:
    if side == "none":  # the fixture as it is
        v1 = V1_MEDIA
    elif side == "v1":
        v1 = _v1_with(tmp_path, change)
        _rename_kubeconfig(v1)
    else:
        v1 = _v1_kubeconfig_named_as_ours(tmp_path)
    v2 = _v2_with(tmp_path, change) if side == "v2" else MEDIA
    code, stdout, _ = run(capsys, "migrate", "check", "--v1", str(v1), "--v2", str(v2))
    assert code == 1, stdout
    assert shown in stdout and consequence in stdout
    assert "FAIL" in stdout


def _rename_kubeconfig(v1: Path) -> None:
    if v1 == V1_MEDIA:
        return  # only copies are changed
    secret_file = v1 / "23-externalsecret-media-kubeconfig.yaml"
    secret = load(secret_file)
    secret["metadata"]["name"] = secret["spec"]["target"]["name"] = "vcluster-media-kubeconfig"
    write(secret_file, secret)


def test_equal_quantities_written_differently_are_the_same_size(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    v2 = _v2_with(tmp_path, _set(["vcluster", "persistence", "size"], "10240Mi"))
    v1 = _v1_kubeconfig_named_as_ours(tmp_path)
    assert run(capsys, "migrate", "check", "--v1", str(v1), "--v2", str(v2))[0] == 0


def test_non_blocking_differences_are_reported_but_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    v2 = _v2_with(tmp_path, _set(["argocdApplication", "targetRevision"], "0.31.1"))
    v1 = _v1_kubeconfig_named_as_ours(tmp_path)
    code, stdout, _ = run(capsys, "migrate", "check", "--v1", str(v1), "--v2", str(v2), "--output", "json")
    report = json.loads(stdout)
    assert code == 0 and report["blocking"] is False
    assert {f["field"]: f["severity"] for f in report["findings"]}["chart_version"] == "change"


def test_v1_dir_without_a_vcluster_application(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "ns.yaml", load(V1_MEDIA / "20-namespace-vcluster-media.yaml"))
    code, _, stderr = run(capsys, "migrate", "check", "--v1", str(tmp_path), "--v2", str(MEDIA))
    assert code == 2 and "no ArgoCD Application" in stderr and "Traceback" not in stderr


def test_v1_values_read_from_the_sub_request_when_no_application(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    target = tmp_path / "v1"
    shutil.copytree(V1_MEDIA, target)
    _rename_kubeconfig(target)
    app = load(target / "22-application-vcluster-media.yaml")
    del app["spec"]["source"]["helm"]["values"]
    write(target / "22-application-vcluster-media.yaml", app)
    code, stdout, _ = run(capsys, "migrate", "check", "--v1", str(target), "--v2", str(MEDIA))
    assert code == 0 and "values from VClusterCore valuesYaml" in stdout


def test_help_has_examples_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["validate"], ["diff"], ["migrate", "check"], ["explain"], ["render"]):
        with pytest.raises(SystemExit) as done:
            main([*command, "--help"])
        assert done.value.code == 0
        text = capsys.readouterr().out
        assert "example" in text
        if command != ["render"]:
            assert "exit code" in text


def test_validate_json_carries_the_typed_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Field, schema and policy problems in one structure: source, subject, path, value, message."""
    import json

    from vcluster_platform.cli import main

    bad_request = tmp_path / "request.yaml"
    bad_request.write_text(yaml.safe_dump({"apiVersion": "platform.integratn.tech/v1alpha1",
                                           "kind": "VClusterOrchestratorV2",
                                           "metadata": {"name": "x", "namespace": "platform-requests"},
                                           "spec": {"name": "x", "vcluster": {"replicas": 12}}}))
    objects = tmp_path / "objects.yaml"
    objects.write_text(yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": 1}}]))
    assert main(["validate", str(bad_request), str(objects), "--output", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    levels = [p["level"] for p in report["problems"]]
    assert report["checked"] == 3 and report["errors"] == levels.count("error")
    field = next(p for p in report["problems"] if p["source"] == "field")
    assert (field["path"], field["value"], field["file"]) == ("spec.vcluster.replicas", 12, str(bad_request))
    assert field["subject"] == "VClusterOrchestratorV2 platform-requests/x"
    assert any(p["source"] == "policy" and p["subject"] == "Secret s" and p["path"] == "kind"
               and p["value"] == "Secret" for p in report["problems"])
    assert any(p["source"] == "schema" and p["subject"] == "ConfigMap c" and p["path"] == "data.k"
               and p["level"] == "error" for p in report["problems"])
