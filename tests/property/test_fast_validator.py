"""The fast spec validator (models/fastparse.py) against its reference, the pydantic model.

The contract: whatever the fast validator accepts, pydantic accepts with equal values (same attributes, same
types); when it is not sure it says so and pydantic decides. And it must be sure about the requests people
actually send, or the pipeline pays for pydantic after all.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from pydantic import BaseModel, Field, ValidationError, field_validator

from conftest import ORCHESTRATOR_EXAMPLES, SHARED, load
from fuzz.mutate import apply, random_mutation
from property.strategies import valid_request
from vcluster_platform.models import validate_spec
from vcluster_platform.models.base import RequestModel
from vcluster_platform.models.fastparse import Record, validate_fast
from vcluster_platform.models.request import VClusterOrchestratorV2Spec
from vcluster_platform.models.request_table import request_table

REAL = SHARED / "examples" / "real" / "vcluster-media.yaml"
SEED_SPECS = [load(path)["spec"] for path in [*ORCHESTRATOR_EXAMPLES, REAL]]


def plain(value: Any) -> Any:
    """A comparable form of a validated value: models and records as dicts, scalars with their type."""
    if isinstance(value, BaseModel):
        return {name: plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, Record):
        return {name: plain(item) for name, item in vars(value).items() if not name.startswith("_")}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return (type(value).__name__, value)


def reference(spec: Any) -> VClusterOrchestratorV2Spec | None:
    try:
        return VClusterOrchestratorV2Spec.model_validate(spec)
    except ValidationError:
        return None


def assert_agrees(spec: Any) -> bool:
    """True when the fast validator was sure; then pydantic must accept with equal values."""
    fast = validate_fast(spec)
    if fast is None:
        return False
    model = reference(spec)
    assert model is not None, f"fast validator accepted what pydantic refuses: {spec!r}"
    assert plain(fast) == plain(model)
    return True


@pytest.mark.parametrize("spec", SEED_SPECS, ids=[p.stem for p in [*ORCHESTRATOR_EXAMPLES, REAL]])
def test_every_example_and_real_request_is_validated_without_pydantic(spec: dict[str, Any]) -> None:
    assert assert_agrees(spec), "the fast validator should be sure about a request people send"


@settings(max_examples=300, deadline=None)
@given(valid_request())
def test_generated_valid_requests_agree(doc: dict[str, Any]) -> None:
    assert assert_agrees(doc["spec"])


def test_mutated_requests_never_pass_where_pydantic_refuses() -> None:
    rng = random.Random(20261127)
    sure = 0
    for _ in range(3000):
        seed = rng.choice(SEED_SPECS)
        mutated = apply(seed, [random_mutation(rng, seed) for _ in range(rng.randint(1, 3))])
        sure += assert_agrees(mutated)
    assert sure > 300, "mutations that keep a request valid should mostly stay on the fast path"


@pytest.mark.parametrize("spec", [
    {"name": "demo", "vcluster": {"replicas": "3"}},  # pydantic's lax mode turns "3" into 3
    {"name": "demo", "vcluster": {"replicas": True}},
    {"name": "demo", "vcluster": {"replicas": 3.0}},
    {"name": "demo\n"},  # pydantic's `$` is the very end; Python's also matches before a final newline
    {"name": "demo", "argocdApplication": {"repoURL": "https://a", "repoUrl": "https://b"}},
    {"name": "demo", "unknown": 1},
    {"name": "demo", "vcluster": {"coredns": {"replicas": 11}}},
    {"name": "demo", "exposure": {"subnet": "10.0.0.1/24"}},
    {"name": "demo", "vcluster": {"helmOverrides": {1: "x"}}},
    {"vcluster": {}},
    ["not", "a", "mapping"],
])
def test_whatever_it_is_not_sure_of_goes_to_pydantic(spec: Any) -> None:
    assert validate_fast(spec) is None


def test_a_refusal_is_worded_by_the_reference_validator() -> None:
    from vcluster_platform.errors import InvalidRequest

    with pytest.raises(InvalidRequest) as caught:
        validate_spec({"name": "demo", "vcluster": {"replicas": 42}})
    assert [(p.path, p.value) for p in caught.value.problems] == [("spec.vcluster.replicas", 42)]


def test_spelling_alternatives_and_quantities_match_the_reference() -> None:
    spec = {"name": "demo", "vcluster": {"resources": {"limits": {"cpu": 2, "memory": "2Gi"}}},
            "integrations": {"onepassword": {"vault": "v"}, "argocd": {"workloadRepo": {"repoURL": "https://x"}}},
            "networkPolicies": {"enableNFS": True, "nfsCIDR": "10.0.0.0/8"}}
    assert assert_agrees(spec)
    fast = validate_fast(spec)
    assert fast is not None and fast.vcluster.resources.limits.cpu == "2"


def test_the_table_refuses_a_rule_it_cannot_describe() -> None:
    def custom(value: str) -> str:
        return value

    class WithUnknownRule(RequestModel):
        name: str = Field(json_schema_extra={"x": 1})

        _custom = field_validator("name")(custom)

    with pytest.raises(TypeError, match=r"not in rules\.CHECKS"):
        request_table(WithUnknownRule)


def test_the_table_describes_every_field_of_every_model() -> None:
    table = request_table(VClusterOrchestratorV2Spec)
    assert table["root"] == "VClusterOrchestratorV2Spec"
    fields = {name: {f["attr"] for f in model["fields"]} for name, model in table["models"].items()}
    assert fields["VClusterOrchestratorV2Spec"] == set(VClusterOrchestratorV2Spec.model_fields)
    assert "ExtraEgress" in fields and "SyncPolicyAutomated" in fields
