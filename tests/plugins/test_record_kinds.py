"""One record type and one collect hook per kind, named by one table (RECORD_KINDS) that the
manager, ``chiltepin plugins``, ``chiltepin config keys``, config resolution and the schema read;
block and MPI launchers are separate kinds. Plugins are real installed distributions."""

from __future__ import annotations

import pytest
from chiltepin.cli.plugins_cmd import _text, report
from chiltepin.cli.reference import config_schema, sections
from chiltepin.config import resolve_resource
from chiltepin.errors import ConfigError
from chiltepin.plugins import PluginWarning, hookspecs, set_plugin_manager
from chiltepin.plugins.records import KINDS, RECORD_KINDS

#: One record of every kind, each named after its kind.
EVERYTHING = """
from chiltepin.plugins import (ConfigBlock, ExecutorBackend, LauncherSpec, MPILauncher, ResourceProvider, Setting,
                               Site, Str, Subcommand, TransferProvider, hookimpl)

def _key(name):
    return (Setting(name[len("every-"):][:1] * 4, Str(), "x", "A key."),)

@hookimpl
def chiltepin_resource_providers():
    return [ResourceProvider("every-provider", lambda r, l: None, _key("every-provider"), description="d")]

@hookimpl
def chiltepin_executor_backends():
    return [ExecutorBackend("every-backend", lambda r, p: None, _key("every-backend"), description="d")]

@hookimpl
def chiltepin_launchers():
    return [LauncherSpec("every-launcher", lambda r: None, _key("every-launcher"), description="d")]

@hookimpl
def chiltepin_mpi_launchers():
    return [MPILauncher("every-mpi", lambda spec, nodes: f"jsrun -n {spec['num_ranks']} -H {','.join(nodes)}",
                        description="d")]

@hookimpl
def chiltepin_transfer_providers():
    return [TransferProvider("every-transfer", lambda: None, _key("every-transfer"), description="d")]

@hookimpl
def chiltepin_sites():
    return [Site("every-site", {"p": {"provider": "localhost"}}, description="d")]

@hookimpl
def chiltepin_subcommands():
    return [Subcommand("every-command", "help", lambda parser: None, lambda args: 0)]

@hookimpl
def chiltepin_config_blocks():
    return [ConfigBlock("every-block", _key("every-block"), description="d")]
"""

NAMES = {"resource_providers": "every-provider", "executor_backends": "every-backend",
         "launchers": "every-launcher", "mpi_launchers": "every-mpi", "transfer_providers": "every-transfer",
         "sites": "every-site", "subcommands": "every-command", "config_blocks": "every-block"}


@pytest.fixture
def everything(make_dist, fresh_manager):
    make_dist("chiltepin-everything", {"everything": "everything_plugin"}, {"everything_plugin": EVERYTHING},
              version="2.0.0")
    manager = fresh_manager()
    previous = set_plugin_manager(manager)
    yield manager
    set_plugin_manager(previous)


def test_the_table_has_one_row_per_collect_hook():
    collect = {name for name in dir(hookspecs) if name.startswith("chiltepin_")
               and not getattr(getattr(hookspecs, name), "chiltepin_spec", {}).get("firstresult")}
    assert collect == {kind.hook for kind in RECORD_KINDS}
    for kind in RECORD_KINDS:
        assert kind.type.__name__ in str(getattr(hookspecs, kind.hook).__annotations__["return"])
    assert set(NAMES) == set(KINDS)


def test_plugins_lists_each_kind_by_the_table(everything):
    data = report(everything)
    plugin = next(p for p in data["plugins"] if p["name"] == "everything")
    assert plugin["provides"] == {kind: [name] for kind, name in NAMES.items()}
    text = _text(data).split("everything: chiltepin-everything 2.0.0\n", 1)[1].splitlines()
    assert text[1:1 + len(RECORD_KINDS)] == [f"  {kind.plural}: {NAMES[kind.name]}" for kind in RECORD_KINDS]


def test_config_keys_sections_come_from_the_table(everything):
    mine = [(s.kind, s.title) for s in sections(everything) if s.name.startswith("every-")]
    assert mine == [("provider", "every-provider: resource provider"), ("executor", "every-backend: executor backend"),
                    ("launcher", "every-launcher: launcher"), ("mpi-launcher", "every-mpi: MPI launcher"),
                    ("transfer", "every-transfer: transfer provider (endpoint settings)"),
                    ("block", "every-block: top-level block")]


def test_the_schema_enumerates_the_names_each_resource_key_selects(everything):
    pytest.importorskip("chiltepin_mpi", reason="chiltepin-mpi declares the mpi_launcher key")
    properties = config_schema(everything)["$defs"]["resource"]["properties"]
    for kind in RECORD_KINDS:
        if kind.resource_key:
            assert NAMES[kind.name] in properties[kind.resource_key]["anyOf"][0]["enum"], kind.name


def test_an_unknown_key_names_the_records_that_declare_it(everything):
    with pytest.raises(ConfigError) as caught:
        resolve_resource("r", {"llll": "y", "pppp": "y", "bbbb": "y", "tttt": "y"}, everything)
    assert caught.value.problems == [
        "r.llll: unknown key for provider 'localhost' (it is a setting of launcher 'every-launcher')",
        "r.pppp: unknown key for provider 'localhost' (it is a setting of provider 'every-provider')",
        "r.bbbb: unknown key for provider 'localhost' (it is a setting of executor 'every-backend')",
        "r.tttt: unknown key for provider 'localhost'"]


def test_block_and_mpi_launchers_are_separate_kinds(everything):
    assert "every-mpi" not in everything.records("launchers")
    assert "every-launcher" not in everything.records("mpi_launchers")
    pytest.importorskip("chiltepin_mpi", reason="chiltepin-mpi runs MPI launchers")
    from chiltepin_mpi.worker import task_environment

    resource = resolve_resource("sim", {"mpi": True, "mpi_launcher": "every-mpi"}, everything)
    assert resource.get("mpi_launcher") == "every-mpi"
    env = task_environment("every-mpi", {"num_nodes": 2, "num_ranks": 4, "ranks_per_node": 2}, ["a", "b"])
    assert env == {"PARSL_MPI_PREFIX": "jsrun -n 4 -H a,b"}
    with pytest.raises(ConfigError, match=r"sim\.mpi_launcher: MPI launcher 'every-launcher' is not available"):
        resolve_resource("sim", {"mpi": True, "mpi_launcher": "every-launcher"}, everything)


def test_an_mpi_launcher_from_the_block_launcher_hook_is_refused(make_dist, fresh_manager):
    make_dist("chiltepin-mixed", {"mixed": "mixed_plugin"}, {"mixed_plugin": """
from chiltepin.plugins import LauncherSpec, MPILauncher, hookimpl
JSRUN = MPILauncher("jsrun", lambda spec, nodes: "jsrun")
@hookimpl
def chiltepin_launchers():
    return [JSRUN, LauncherSpec("fine", lambda resource: None)]
"""}, version="1.0")
    manager = fresh_manager()
    with pytest.warns(PluginWarning) as caught:
        assert "fine" in manager.records("launchers") and "jsrun" not in manager.records("launchers")
    assert [str(w.message) for w in caught] == [
        f"chiltepin: plugin 'mixed' (chiltepin-mixed 1.0) is loaded without that launcher: chiltepin_launchers() "
        f"returned MPILauncher {manager.pluggy.get_plugin('mixed').JSRUN!r}; expected LauncherSpec records. Fix or "
        f"update it, or set CHILTEPIN_DISABLE_PLUGINS=mixed to silence this."]


def test_a_plugin_still_giving_launchers_a_role_is_not_loaded(make_dist, fresh_manager):
    make_dist("chiltepin-old", {"old": "old_plugin"}, {"old_plugin": """
from chiltepin.plugins import LauncherSpec, hookimpl
JSRUN = LauncherSpec("jsrun", role="mpi", prefix=lambda spec, nodes: "jsrun")
@hookimpl
def chiltepin_launchers():
    return [JSRUN]
"""}, version="0.2.0")
    with pytest.warns(PluginWarning) as caught:
        manager = fresh_manager()
    assert [str(w.message) for w in caught] == [
        "chiltepin: plugin 'old' (chiltepin-old 0.2.0) was not loaded: TypeError: LauncherSpec.__init__() got an "
        "unexpected keyword argument 'role'. Fix or update it, or set CHILTEPIN_DISABLE_PLUGINS=old to silence this."]
    assert "simple" in manager.records("launchers")
