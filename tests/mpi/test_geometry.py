"""Task geometry rules, checked for all inputs with hypothesis: merge, derivation, validation, fit."""

from __future__ import annotations

import copy

import pytest
from chiltepin.config.resolve import resolve_resource
from chiltepin.geometry import merge_geometry
from chiltepin.plugins import get_plugin_manager
from chiltepin_mpi.geometry import COUNT_FIELDS, GEOMETRY_FIELDS, PASSTHROUGH_FIELDS, TaskGeometry, translate
from hypothesis import given, settings
from hypothesis import strategies as st

counts = st.integers(min_value=1, max_value=64)
options = st.sampled_from(["", "--exclusive", "--bind-to core", "-v"])


@st.composite
def full_geometries(draw):
    nodes, per_node = draw(counts), draw(counts)
    spec = {"num_nodes": nodes, "num_ranks": nodes * per_node, "ranks_per_node": per_node}
    threads = draw(st.none() | counts)
    if threads is not None:
        spec["threads_per_rank"] = threads
    launcher_options = draw(options)
    if launcher_options:
        spec["launcher_options"] = launcher_options
    return spec


def determining_subsets(spec):
    """Every subset of the three counts from which the rules derive the rest."""
    subsets = [("num_nodes", "num_ranks", "ranks_per_node"), ("num_nodes", "ranks_per_node"),
               ("num_nodes", "num_ranks"), ("num_ranks", "ranks_per_node")]
    if spec["num_nodes"] == 1:
        subsets += [("num_ranks",), ("ranks_per_node",)]
    return subsets


@given(full_geometries(), st.data())
def test_every_valid_geometry_round_trips_from_any_determining_subset(spec, data):
    keep = data.draw(st.sampled_from(determining_subsets(spec)))
    extras = {k: v for k, v in spec.items() if k not in ("num_nodes", "num_ranks", "ranks_per_node")}
    given_spec = {**{k: spec[k] for k in keep}, **extras}
    before = copy.deepcopy(given_spec)
    translated = translate(given_spec, None)
    assert translated == spec
    assert given_spec == before
    assert translate(translated, None) == translated
    assert all(type(translated[k]) is int for k in COUNT_FIELDS if k in translated)


@given(counts, counts, counts)
def test_inconsistent_counts_are_rejected_naming_fields_and_values(nodes, per_node, ranks):
    spec = {"num_nodes": nodes, "ranks_per_node": per_node, "num_ranks": ranks}
    if ranks == nodes * per_node:
        assert translate(spec, None)["num_ranks"] == ranks
        return
    with pytest.raises(ValueError) as info:
        translate(spec, None)
    message = str(info.value)
    assert f"num_ranks ({ranks})" in message
    assert f"num_nodes ({nodes})" in message and f"ranks_per_node ({per_node})" in message


@given(counts, counts)
def test_ranks_that_do_not_divide_are_rejected(ranks, divisor):
    for field in ("num_nodes", "ranks_per_node"):
        spec = {"num_ranks": ranks, field: divisor}
        if ranks % divisor:
            with pytest.raises(ValueError, match=rf"num_ranks \({ranks}\) is not a multiple of {field} \({divisor}\)"):
                translate(spec, None)
        else:
            assert translate(spec, None)[field] == divisor


@given(full_geometries(), st.sampled_from(COUNT_FIELDS), st.integers(max_value=0))
def test_non_positive_counts_are_rejected_naming_the_field(spec, field, bad):
    with pytest.raises(ValueError, match=rf"^{field} must be a positive integer, got {bad}$"):
        translate({**spec, field: bad}, None)


non_integers = (st.text(max_size=5) | st.floats(allow_nan=False) | st.booleans()
                | st.lists(st.integers(), max_size=2))


@given(full_geometries(), st.sampled_from(COUNT_FIELDS), non_integers)
def test_non_integer_counts_are_type_errors_naming_the_field(spec, field, bad):
    with pytest.raises(TypeError, match=rf"^{field} must be a positive integer, got {type(bad).__name__} "):
        translate({**spec, field: bad}, None)


@given(full_geometries(), st.text(min_size=1, max_size=20).filter(
    lambda k: k not in GEOMETRY_FIELDS + PASSTHROUGH_FIELDS), st.integers())
def test_unknown_fields_are_rejected_naming_the_field(spec, key, value):
    with pytest.raises(ValueError, match="unknown field") as info:
        translate({**spec, key: value}, None)
    assert repr(key) in str(info.value)


def test_unknown_field_suggests_the_geometry_field():
    with pytest.raises(ValueError, match=r"unknown field 'num_rank' \(did you mean 'num_ranks'\?\)"):
        translate({"num_rank": 4}, None)


def test_a_geometry_needs_a_rank_count():
    with pytest.raises(ValueError, match="give num_ranks or ranks_per_node"):
        translate({"num_nodes": 2}, None)
    with pytest.raises(ValueError, match="give num_ranks or ranks_per_node"):
        translate({}, None)


def test_launcher_options_must_be_a_string():
    with pytest.raises(TypeError, match="launcher_options must be a string, got list"):
        translate({"num_ranks": 2, "launcher_options": ["--x"]}, None)


@pytest.mark.parametrize("options", ["--map-by 'ppr:2:node", '-x "A=1', "--tag-output \\"])
def test_launcher_options_that_break_shell_quoting_are_rejected(options):
    with pytest.raises(ValueError, match=r"launcher_options .* is not valid shell words \(No (closing quotation|"
                                         r"escaped character)\); it is appended to the launcher command as is"):
        TaskGeometry(num_ranks=2, launcher_options=options)
    assert TaskGeometry(num_ranks=2, launcher_options="--map-by 'ppr:2:node' -x \"A=1\"").launcher_options


spec_values = st.one_of(st.integers(), st.text(max_size=4), st.none())


@given(st.dictionaries(st.sampled_from(GEOMETRY_FIELDS + PASSTHROUGH_FIELDS + ("walltime",)), spec_values),
       full_geometries())
def test_merge_geometry_wins_keeps_other_keys_and_leaves_inputs_untouched(resource_spec, geometry):
    spec_before, geometry_before = copy.deepcopy(resource_spec), copy.deepcopy(geometry)
    merged = merge_geometry(resource_spec, geometry)
    assert resource_spec == spec_before and geometry == geometry_before
    assert set(merged) == set(resource_spec) | set(geometry)
    for key, value in merged.items():
        assert value == (geometry[key] if key in geometry else resource_spec[key])


@given(st.integers(), full_geometries(), st.data())
def test_translation_of_a_merge_keeps_priority_and_uses_the_geometry(priority, geometry, data):
    stale = data.draw(st.fixed_dictionaries({}, optional={"num_nodes": counts, "num_ranks": counts}))
    resource_spec = {"priority": priority, **stale}
    translated = get_plugin_manager().translate_geometry(merge_geometry(resource_spec, geometry), None)
    assert translated == {"priority": priority, **geometry}
    assert resource_spec == {"priority": priority, **stale}


# -- the target resource -----------------------------------------------------------------------

def _resolve(block):
    return resolve_resource("target", block, get_plugin_manager())


def test_geometry_on_a_non_mpi_resource_is_rejected():
    with pytest.raises(ValueError, match="resource 'target' is not an MPI resource"):
        translate({"num_ranks": 2}, _resolve({"provider": "localhost"}))


@settings(max_examples=25)
@given(full_geometries())
def test_localhost_block_is_one_node(spec):
    resource = _resolve({"mpi": True})
    if spec["num_nodes"] == 1:
        assert translate(spec, resource) == spec
    else:
        with pytest.raises(ValueError, match=rf"num_nodes \({spec['num_nodes']}\) is more than the 1 node\(s\) "
                                             r"in a block of resource 'target'"):
            translate(spec, resource)


@settings(max_examples=50)
@given(full_geometries(), st.integers(1, 8), st.integers(1, 64))
def test_geometry_larger_than_a_slurm_block_is_rejected(spec, nodes_per_block, cores_per_node):
    pytest.importorskip("chiltepin_slurm", reason="chiltepin-slurm provides nodes_per_block/cores_per_node")
    resource = _resolve({"mpi": True, "provider": "slurm", "nodes_per_block": nodes_per_block,
                         "max_mpi_apps": 1, "cores_per_node": cores_per_node})
    cores = spec["ranks_per_node"] * spec.get("threads_per_rank", 1)
    if spec["num_nodes"] > nodes_per_block:
        with pytest.raises(ValueError, match="num_nodes"):
            translate(spec, resource)
    elif cores > cores_per_node:
        with pytest.raises(ValueError, match=rf"needs {cores} cores per node, more than cores_per_node "
                                             rf"\({cores_per_node}\)"):
            translate(spec, resource)
    else:
        assert translate(spec, resource) == spec


@given(full_geometries(), st.integers())
def test_a_task_geometry_is_a_mapping_of_its_specification(spec, priority):
    geometry = TaskGeometry(**spec)
    assert dict(geometry) == spec and len(geometry) == len(spec)
    assert translate(merge_geometry({"priority": priority, "num_nodes": 99}, geometry), None) == {
        "priority": priority, **spec}


def test_task_geometry_is_frozen_and_complete():
    geometry = TaskGeometry(num_nodes=2, ranks_per_node=3)
    assert (geometry.num_nodes, geometry.num_ranks, geometry.ranks_per_node) == (2, 6, 3)
    with pytest.raises(AttributeError):
        geometry.num_nodes = 4  # type: ignore[misc]


def test_a_site_plugin_overrides_the_default_translator_and_can_defer_to_it():
    from chiltepin.plugins import PluginManager, hookimpl

    class CpuBind:
        @hookimpl(tryfirst=True)
        def chiltepin_translate_geometry(self, geometry, resource):
            if geometry.get("launcher_options") == "site-default":
                spec = translate({**geometry, "launcher_options": ""}, resource)
                return {**spec, "launcher_options": "--cpu-bind=cores"}
            return None

    manager = PluginManager()
    manager.load_entrypoints()
    manager.register(CpuBind(), "site-cpu-bind")
    assert manager.translate_geometry({"num_ranks": 2, "launcher_options": "site-default"}, None) == {
        "num_nodes": 1, "num_ranks": 2, "ranks_per_node": 2, "launcher_options": "--cpu-bind=cores"}
    assert manager.translate_geometry({"num_ranks": 2}, None) == {"num_nodes": 1, "num_ranks": 2, "ranks_per_node": 2}
    with pytest.raises(ValueError, match="num_ranks must be a positive integer"):
        manager.translate_geometry({"num_ranks": 0}, None)
