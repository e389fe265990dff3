"""Properties of the field-level diff used by `vcluster-platform diff`."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from vcluster_platform.diff import diff_objects, field_changes
from vcluster_platform.errors import MISSING

leaves = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3)
trees = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from("abcd"), inner, min_size=1, max_size=3), max_leaves=12)

@given(trees)
def test_a_tree_has_no_changes_against_itself(tree: Any) -> None:
    assert field_changes(tree, tree) == []

@given(trees, trees)
def test_changes_are_empty_exactly_when_trees_are_equal(a: Any, b: Any) -> None:
    # True == 1 in Python, but they are different YAML values; key order is not a difference
    equal = a == b and json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert (field_changes(a, b) == []) == equal

@given(trees, trees)
def test_every_change_has_a_distinct_path_and_real_difference(a: Any, b: Any) -> None:
    changes = field_changes(a, b)
    assert len({c.path for c in changes}) == len(changes)
    for change in changes:
        assert change.old is MISSING or change.new is MISSING or repr(change.old) != repr(change.new)

def test_objects_are_matched_by_identity_not_position() -> None:
    def cm(name: str, value: str) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "n"},
                "data": {"k": value}}

    diffs = diff_objects([cm("a", "1"), cm("b", "1")], [cm("c", "1"), cm("b", "2"), cm("a", "1")])
    assert [(d.key[3], d.status) for d in diffs] == [("b", "changed"), ("c", "added")]
    assert [(c.path, c.old, c.new) for c in diffs[0].changes] == [("data.k", "1", "2")]
