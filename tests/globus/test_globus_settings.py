"""Rules for all inputs: the endpoint's schema agrees with chiltepin's own checks, per-task options
merge over the resource's without touching their inputs, and core works without this plugin."""

from __future__ import annotations

import pytest

pytest.importorskip("chiltepin_globus", reason="chiltepin-globus is not installed (pip install -e ./chiltepin-globus)")

import copy
import subprocess
import sys

import jsonschema
from chiltepin.config import load_document, resolve_all
from chiltepin.errors import ConfigError
from chiltepin.plugins import PluginManager
from chiltepin_globus.settings import (
    TEMPLATE_VARIABLES,
    check_endpoint_options,
    endpoint_config,
    split_task_geometry,
    template_schema,
)
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.globus

SCHEMA = template_schema()
values = st.one_of(st.none(), st.booleans(), st.integers(-3, 40), st.floats(-2, 8, allow_nan=False),
                   st.sampled_from(["slurm", "pbspro", "localhost", "lsf", "srun", "debug", "00:10:00",
                                    "1-02:00:00", "1h", ""]))
keys = st.sampled_from([*TEMPLATE_VARIABLES, "partiton", "nodes"])
options = st.dictionaries(keys.filter(lambda k: k != "environment"), values, max_size=6)


def _schema_accepts(data) -> bool:
    try:
        jsonschema.validate(data, SCHEMA)
        return True
    except jsonschema.ValidationError:
        return False


@settings(max_examples=200, deadline=None)
@given(options)
def test_the_endpoint_schema_accepts_what_chiltepin_accepts_and_refuses_what_it_refuses(raw):
    try:
        checked = check_endpoint_options(raw, "r")
    except ValueError:
        # JSON Schema counts 1.0 as an integer; chiltepin is stricter there, nowhere else
        integral_floats = any(isinstance(v, float) and v.is_integer() and SCHEMA["properties"].get(k, {}).get("type")
                              == "integer" for k, v in raw.items())
        assert integral_floats or not _schema_accepts(raw)
        return
    assert _schema_accepts(checked)
    if None not in raw.values():  # unset values are dropped by chiltepin, refused by the schema
        assert _schema_accepts(raw)


resource_defaults = st.fixed_dictionaries({
    "provider": st.sampled_from(["slurm", "pbspro", "localhost"]), "walltime": st.sampled_from(["00:10:00"]),
    "partition": st.sampled_from(["a", "b"]), "nodes_per_block": st.integers(1, 4),
    "environment": st.lists(st.sampled_from(["module load x", "export Y=1"]), max_size=2)})
overrides = st.dictionaries(st.sampled_from(["walltime", "partition", "account", "cores_per_node"]),
                            st.sampled_from(["01:00:00", "long", "proj"]) | st.integers(1, 64), max_size=3)


@settings(max_examples=200, deadline=None)
@given(resource_defaults, overrides, overrides, st.dictionaries(st.sampled_from(["num_nodes", "priority"]),
                                                                st.integers(1, 4), max_size=2))
def test_task_options_are_laid_over_the_resource_and_inputs_are_untouched(defaults, nested, top, geometry):
    spec = {**geometry, **top, "user_endpoint_config": nested}
    before = copy.deepcopy(spec)
    try:
        options, rest = split_task_geometry(spec, "r")
    except ValueError:  # e.g. walltime "long": refused before anything is sent
        assert not _schema_accepts({**nested, **top})
        return
    assert spec == before
    assert rest == geometry
    merged = {**endpoint_config(defaults), **options}
    expected = {**endpoint_config(defaults), **nested, **top}
    assert merged == expected
    assert _schema_accepts(merged)


def test_core_without_this_plugin_names_the_package_and_still_works():
    manager = PluginManager(disabled=["globus"])
    manager.load_entrypoints()
    document = load_document({"remote": {"endpoint": "5c7a8f1e-0b6d-4e4a-9b53-0d3c2a9e7f10"}})
    with pytest.raises(ConfigError, match=r"remote\.endpoint: .*globus-compute.*ships with chiltepin-globus"):
        resolve_all(document, manager)
    assert set(resolve_all(load_document(None), manager)) == {"local"}


def test_importing_chiltepin_does_not_import_the_globus_sdks():
    code = ("import sys, chiltepin, chiltepin.tasks, chiltepin.data\n"
            "from chiltepin.plugins import get_plugin_manager\n"
            "pm = get_plugin_manager()\n"
            "[pm.records(k) for k in ('executor_backends', 'transfer_providers', 'subcommands')]\n"
            "print(sorted(m for m in ('globus_sdk', 'globus_compute_sdk') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
