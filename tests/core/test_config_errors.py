"""Configuration mistakes become one ConfigError naming the resource and key (and lose nothing)."""

from __future__ import annotations

import re

import pytest
from chiltepin import ConfigError, Workflow
from chiltepin.config import load_document, resolve_all, resolve_resource
from chiltepin.plugins import PluginManager


@pytest.fixture(scope="module")
def core_only() -> PluginManager:
    """A manager with core's built-ins only, as if no plugin distribution were installed."""
    from chiltepin.plugins import builtin

    manager = PluginManager(autoload=True, disabled=())
    manager.register(builtin, "core", distribution="chiltepin-core", builtin=True)
    return manager


def problems(block, manager, name="compute"):
    with pytest.raises(ConfigError) as info:
        resolve_resource(name, block, manager)
    return info.value.problems


def test_unknown_key_with_did_you_mean(core_only):
    assert problems({"max_blcoks": 2}, core_only) == [
        "compute.max_blcoks: unknown key for provider 'localhost' (did you mean 'max_blocks'?)"]


def test_key_of_another_provider_is_named(core_only, make_dist, fresh_manager):
    source = """
from chiltepin.plugins import hookimpl, ResourceProvider, Setting, Str
@hookimpl
def chiltepin_resource_providers():
    return [ResourceProvider("batch", lambda r, l: None, settings=(Setting("partition", Str(), None, "p"),))]
"""
    make_dist("chiltepin-batch", {"batch": "batch_plugin"}, {"batch_plugin": source})
    manager = fresh_manager()
    [message] = problems({"provider": "localhost", "partition": "debug"}, manager)
    assert message.startswith("compute.partition: unknown key for provider 'localhost' (it is a setting of ")
    assert "provider 'batch'" in message


@pytest.mark.parametrize("block,expected", [
    ({"max_blocks": "two"}, "compute.max_blocks: expected an integer, got str 'two'"),
    ({"init_blocks": -1}, "compute.init_blocks: must be at least 0, got -1"),
    ({"max_workers_per_node": 0}, "compute.max_workers_per_node: must be at least 1, got 0"),
    ({"cores_per_worker": 0}, "compute.cores_per_worker: must be greater than 0, got 0"),
    ({"worker_debug": "yes"}, "compute.worker_debug: expected true or false, got str 'yes'"),
    ({"mpi": 1}, "compute.mpi: expected true or false, got int 1"),
    ({"environment": "module load gcc"},
     "compute.environment: expected a list of strings, got a single string; write it as a YAML list "
     "(one '- item' per line)"),
    ({"min_blocks": 3, "max_blocks": 2}, "compute.min_blocks: 3 is more than max_blocks (2)"),
])
def test_wrong_values(core_only, block, expected):
    assert problems(block, core_only) == [expected]


def test_every_problem_of_a_resource_is_reported_at_once(core_only):
    found = problems({"max_blocks": "x", "provder": "localhost", "environment": "a"}, core_only)
    assert len(found) == 3
    assert any("provder: unknown key" in p and "did you mean 'provider'" in p for p in found)


def test_problems_of_all_resources_are_collected(core_only):
    document = load_document({"a": {"bogus": 1}, "b": None, "c": ["not", "a", "mapping"]})
    with pytest.raises(ConfigError) as info:
        resolve_all(document, core_only)
    text = str(info.value)
    assert "a.bogus: unknown key" in text
    assert "b: the resource has no options" in text
    assert "c: expected a mapping of options, got list" in text


@pytest.mark.parametrize("block,expected", [
    ({"provider": "slurm"}, "compute.provider: resource provider 'slurm' is not available. Available: localhost. "
                            "'slurm' ships with chiltepin-slurm (pip install chiltepin-slurm)."),
    ({"mpi": True}, "compute.mpi: this key selects the executor backend 'mpi' is not available. "
                    "Available: htex, threads. 'mpi' ships with chiltepin-mpi (pip install chiltepin-mpi)."),
    ({"endpoint": "1d2e"}, "compute.endpoint: this key selects the executor backend 'globus-compute' is not "
                           "available. Available: htex, threads. 'globus-compute' ships with chiltepin-globus "
                           "(pip install chiltepin-globus)."),
    ({"launcher": "simpel"}, "compute.launcher: launcher 'simpel' is not available (did you mean 'simple'?). "
                             "Available: simple, single-node."),
])
def test_missing_plugins_name_the_package(core_only, block, expected):
    assert problems(block, core_only) == [expected]


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("compute:\n  provider: localhost\n  max_blocks: [1, 2\n")
    with pytest.raises(ConfigError, match=rf"{path}:4:1: YAML syntax error"):
        Workflow(str(path))


@pytest.mark.parametrize("text,expected", [
    ("- a\n- b\n", "the top level must be a mapping of resource names to their options, not a list"),
    ("workflow: 3\n", "workflow: expected a mapping, got int 3"),
    ("1: {}\n", "resource names must be strings, got 1"),
])
def test_wrong_document_shapes(tmp_path, text, expected):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=expected):
        load_document(str(path))


def test_missing_file():
    with pytest.raises(ConfigError, match="nowhere.yaml: configuration file not found"):
        Workflow("/nonexistent/nowhere.yaml")


def test_empty_file_means_only_local(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert list(load_document(str(path)).resources) == ["local"]


def test_include_names_must_exist(core_only):
    document = load_document({"compute": {}, "service": {}})
    with pytest.raises(ConfigError, match=r"include: resource 'compte' is not in the configuration "
                                          r"\(did you mean 'compute'\?\); configured: local, compute, service"):
        resolve_all(document, core_only, include=["compte"])
    assert list(resolve_all(document, core_only, include=["service"])) == ["local", "service"]


def test_user_may_override_local(core_only):
    document = load_document({"local": {"max_workers_per_node": 3, "init_blocks": 0}})
    local = resolve_all(document, core_only)["local"]
    assert local.get("max_workers_per_node") == 3 and local.get("init_blocks") == 0


def test_defaults_are_filled(core_only):
    resource = resolve_resource("r", {}, core_only)
    assert (resource.backend, resource.provider, resource.launcher) == ("htex", "localhost", "single-node")
    assert resource.get("address") == "127.0.0.1"
    assert resource.get("environment") == [] and resource.get("max_blocks") == 1


def test_parsl_constructor_errors_are_config_errors(make_dist, fresh_manager):
    """A provider that hands Parsl a wrong value: Parsl's own typeguard error comes back as ConfigError."""
    from chiltepin.config import build_executor

    source = """
from chiltepin.plugins import hookimpl, ResourceProvider, Setting, Str
def build(resource, launcher):
    from parsl.providers import SlurmProvider
    return SlurmProvider(nodes_per_block=resource.get("nodes"), launcher=launcher)
@hookimpl
def chiltepin_resource_providers():
    return [ResourceProvider("sloppy", build, settings=(Setting("nodes", Str(), "two", "nodes"),))]
"""
    make_dist("chiltepin-sloppy", {"sloppy": "sloppy_plugin"}, {"sloppy_plugin": source})
    manager = fresh_manager()
    resource = resolve_resource("r", {"provider": "sloppy"}, manager)
    expected = (r"^r: resource provider 'sloppy' from plugin 'sloppy' \(chiltepin-sloppy 0.1.0\) rejected the "
                r"settings: TypeCheckError: .*nodes_per_block")
    with pytest.raises(ConfigError, match=expected):
        build_executor(resource, manager)


def test_disabled_plugin_is_named_as_disabled():
    manager = PluginManager(autoload=False)
    manager.load_entrypoints()
    assert problems({"provider": "slurm"}, manager) == [
        "compute.provider: resource provider 'slurm' is not available. Available: localhost. It ships with "
        "chiltepin-slurm, which is disabled (CHILTEPIN_DISABLE_PLUGINS/AUTOLOAD)."]


def test_interface_name_address_is_resolved(core_only):
    from chiltepin.config import build_executor

    executor = build_executor(resolve_resource("r", {"address": "lo"}, core_only), core_only)
    assert executor.address == "127.0.0.1"
    with pytest.raises(ConfigError, match=r"r\.address: no usable network interface 'nosuchif0'"):
        build_executor(resolve_resource("r", {"address": "nosuchif0"}, core_only), core_only)


@pytest.mark.parametrize("options,expected", [
    ({"retries": -1}, "workflow.retries: must be at least 0, got -1"),
    ({"retires": 2}, "workflow.retires: unknown workflow option (did you mean 'retries'?)"),
    ({"checkpoint_mode": "periodic"}, "workflow.checkpoint_period: required when checkpoint_mode is 'periodic'"),
    ({"checkpoint_mode": "always"}, "workflow.checkpoint_mode: 'always' is not one of task_exit"),
    ({"strategy_period": 0}, "workflow.strategy_period: must be greater than 0, got 0"),
])
def test_workflow_option_errors(options, expected):
    with pytest.raises(ConfigError, match=re.escape(expected)):
        Workflow(**options)


def test_workflow_options_from_file_and_python(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("workflow:\n  retries: 2\n  strategy_period: 0.5\ncompute: {}\n")
    workflow = Workflow(str(path), strategy_period=0.1)
    assert workflow.options["retries"] == 2 and workflow.options["strategy_period"] == 0.1
    assert list(workflow.document.resources) == ["local", "compute"]
