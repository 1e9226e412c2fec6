"""Property tests for merging chiltepin_task_geometry over parsl_resource_specification."""

from __future__ import annotations

import copy

import pytest
from chiltepin.geometry import merge_geometry
from hypothesis import given
from hypothesis import strategies as st

keys = st.sampled_from(["num_nodes", "num_ranks", "ranks_per_node", "priority", "launcher_options", "x"])
values = st.one_of(st.integers(-3, 64), st.text(max_size=5), st.none())
specs = st.one_of(st.none(), st.dictionaries(keys, values, max_size=6))


@given(specs, specs)
def test_geometry_wins_and_other_keys_are_kept(spec, geometry):
    merged = merge_geometry(spec, geometry)
    for key, value in (geometry or {}).items():
        assert merged[key] == value
    for key, value in (spec or {}).items():
        if key not in (geometry or {}):
            assert merged[key] == value
    assert set(merged) == set(spec or {}) | set(geometry or {})


@given(specs, specs)
def test_inputs_are_never_mutated_and_result_is_new(spec, geometry):
    before = (copy.deepcopy(spec), copy.deepcopy(geometry))
    merged = merge_geometry(spec, geometry)
    assert (spec, geometry) == before
    assert merged is not spec and merged is not geometry


@given(specs, specs)
def test_idempotent(spec, geometry):
    once = merge_geometry(spec, geometry)
    assert merge_geometry(once, geometry) == once


@given(specs)
def test_none_is_empty(spec):
    assert merge_geometry(spec, None) == merge_geometry(spec, {}) == dict(spec or {})
    assert merge_geometry(None, spec) == merge_geometry({}, spec) == dict(spec or {})


@pytest.mark.parametrize("spec,geometry,name", [
    ([("num_nodes", 1)], None, "parsl_resource_specification"),
    (None, "2x4", "chiltepin_task_geometry"),
])
def test_non_mappings_are_type_errors_naming_the_argument(spec, geometry, name):
    with pytest.raises(TypeError, match=f"{name} must be a dict"):
        merge_geometry(spec, geometry)
