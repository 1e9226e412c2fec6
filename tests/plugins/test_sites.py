"""Site plugins end to end: presets through extends:, user keys over preset keys, detection by host
name or environment, and every mistake named."""

from __future__ import annotations

import socket

import pytest
from chiltepin import Workflow
from chiltepin.config import load_document, resolve_all
from chiltepin.errors import ConfigError, PluginConflictError
from chiltepin.plugins import Site, get_plugin_manager, hookimpl
from chiltepin.tasks import python_task


def site_plugin(name, presets, *, host_prefix=None, variable=None, environment=(), defaults=None):
    class Plugin:
        @hookimpl
        def chiltepin_sites(self):
            return [Site(name=name, presets=presets, description=f"{name} test site", environment=list(environment),
                         defaults=defaults or {})]

        @hookimpl
        def chiltepin_detect_site(self, hostname, environ):
            if (host_prefix and hostname.startswith(host_prefix)) or (variable and variable in environ):
                return name
            return None
    return Plugin()


HERON = {"compute": {"provider": "localhost", "max_workers_per_node": 2, "cores_per_worker": 1.0},
         "tiny": {"provider": "localhost", "max_blocks": 0}}


def resolve(config):
    return resolve_all(load_document(config), get_plugin_manager())


def test_user_keys_override_preset_and_site_defaults(chiltepin_register_plugin):
    chiltepin_register_plugin(site_plugin("heron", HERON, environment=["export HERON=1"],
                                          defaults={"max_blocks": 4, "cores_per_worker": 0.5}))
    resources = resolve({"a": {"extends": "heron:compute", "max_workers_per_node": 1,
                               "environment": ["export MINE=1"]}})
    a = resources["a"]
    assert a.site == "heron"
    assert a.get("max_workers_per_node") == 1     # user over preset
    assert a.get("cores_per_worker") == 1.0       # preset over site defaults
    assert a.get("max_blocks") == 4               # site defaults over record defaults
    assert a.get("environment") == ["export HERON=1", "export MINE=1"]


def test_detection_by_hostname_and_by_environment(chiltepin_register_plugin, monkeypatch):
    chiltepin_register_plugin(site_plugin("heron", HERON, host_prefix="hn-"), "heron")
    chiltepin_register_plugin(site_plugin("egret", {"compute": {"provider": "localhost"}}, variable="EGRET_SYSTEM"),
                              "egret")
    monkeypatch.delenv("EGRET_SYSTEM", raising=False)
    monkeypatch.setattr(socket, "gethostname", lambda: "hn-login2")
    assert resolve({"a": {"extends": "compute"}})["a"].site == "heron"
    monkeypatch.setattr(socket, "gethostname", lambda: "workstation")
    monkeypatch.setenv("EGRET_SYSTEM", "1")
    assert resolve({"a": {"extends": "compute"}})["a"].site == "egret"
    monkeypatch.delenv("EGRET_SYSTEM")
    with pytest.raises(ConfigError, match=r"a\.extends: 'compute' names no site and no installed site plugin "
                                          r"recognises this machine; write 'site:compute'"):
        resolve({"a": {"extends": "compute"}})


def test_a_tryfirst_detector_overrides_the_others(chiltepin_register_plugin):
    chiltepin_register_plugin(site_plugin("heron", HERON, host_prefix="hn-"), "heron")

    class Override:
        @hookimpl(tryfirst=True)
        def chiltepin_detect_site(self, hostname, environ):
            return "egret" if environ.get("FORCE_EGRET") else None

    chiltepin_register_plugin(Override(), "override")
    pm = get_plugin_manager()
    assert pm.detect_site("hn-1", {"FORCE_EGRET": "1"}) == "egret"
    assert pm.detect_site("hn-1", {}) == "heron"
    assert pm.detect_site("localhost", {}) is None


@pytest.mark.parametrize(("extends", "message"), [
    ("nowhere:compute", r"a\.extends: site 'nowhere' is not available.*Available: heron"),
    ("heron:gpu", r"a\.extends: site 'heron' has no preset 'gpu'; presets: compute, tiny"),
    ("heron:comptue", r"a\.extends: site 'heron' has no preset 'comptue' \(did you mean 'compute'\?\)"),
    ("", r"a\.extends: expected 'site:preset', got ''"),
])
def test_bad_extends_is_named(chiltepin_register_plugin, extends, message):
    chiltepin_register_plugin(site_plugin("heron", HERON))
    with pytest.raises(ConfigError, match=message):
        resolve({"a": {"extends": extends}})


def test_a_preset_that_does_not_validate_is_named(chiltepin_register_plugin):
    broken = {"compute": {"provider": "localhost", "partition": "big", "max_blocks": "many"},
              "remote": {"provider": "lsf"}, "tiny": {"provider": "localhost", "max_blocks": "many"}}
    chiltepin_register_plugin(site_plugin("heron", broken))
    with pytest.raises(ConfigError) as info:
        resolve({"a": {"extends": "heron:compute"}, "b": {"extends": "heron:remote"}})
    problems = "\n".join(info.value.problems)
    assert "a.partition: unknown key for provider 'localhost' (set by site preset 'heron:compute')" in problems
    assert "a.max_blocks: expected an integer, got str 'many' (set by site preset 'heron:compute')" in problems
    assert "b.provider: resource provider 'lsf' is not available" in problems
    # a user key fixes the preset's bad value
    assert resolve({"a": {"extends": "heron:tiny", "max_blocks": 1}})["a"].get("max_blocks") == 1


def test_two_plugins_with_one_site_name_conflict(chiltepin_register_plugin):
    chiltepin_register_plugin(site_plugin("heron", HERON), "site-heron", distribution="chiltepin-site-heron")
    chiltepin_register_plugin(site_plugin("heron", HERON), "heron-fork", distribution="heron-fork")
    with pytest.raises(ConfigError, match="Conflicting sites found") as info:
        resolve({"a": {"extends": "heron:compute"}})
    message = str(info.value)
    assert "'site-heron' (chiltepin-site-heron 0)" in message and "'heron-fork' (heron-fork 0)" in message
    with pytest.raises(PluginConflictError, match=r"CHILTEPIN_DISABLE_PLUGINS=<name> \(one of: heron-fork, site-heron"):
        get_plugin_manager().records("sites")


@python_task
def read_variable(name):
    import os

    return os.environ.get(name)


def test_site_environment_reaches_the_workers(chiltepin_register_plugin, tmp_path):
    chiltepin_register_plugin(site_plugin("heron", HERON, environment=["export HERON_SCRATCH=/scratch/heron"]))
    config = {"a": {"extends": "heron:compute", "init_blocks": 1, "max_workers_per_node": 1}}
    with Workflow(config, include=["a"], run_dir=str(tmp_path)) as workflow:
        assert workflow.resources["a"].site == "heron"
        assert read_variable("HERON_SCRATCH", executor="a").result(timeout=120) == "/scratch/heron"
