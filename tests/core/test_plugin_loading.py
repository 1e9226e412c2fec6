"""Plugin loading from real entry points: good, broken, conflicting and misspelled plugins."""

from __future__ import annotations

import pytest
from chiltepin.errors import ConfigError, PluginConflictError, PluginError
from chiltepin.plugins import PluginWarning

GOOD = """
from chiltepin.plugins import hookimpl, LauncherSpec, Setting, Int

def _build(resource):
    from parsl.launchers import SimpleLauncher
    return SimpleLauncher()

@hookimpl
def chiltepin_launchers():
    return [LauncherSpec("goodlaunch", _build, settings=(Setting("ranks", Int(minimum=1), 1, "ranks"),))]
"""

BROKEN = """
import module_that_does_not_exist_anywhere
"""

CONFLICT = """
from chiltepin.plugins import hookimpl, LauncherSpec

@hookimpl
def chiltepin_launchers():
    return [LauncherSpec("goodlaunch", lambda resource: None)]
"""

MISSPELLED = """
from chiltepin.plugins import hookimpl, LauncherSpec

@hookimpl
def chiltepin_launcher():
    return [LauncherSpec("typo", lambda resource: None)]
"""

UNDECORATED_MISSPELLED = """
def chiltepin_resource_provider():
    return []
"""


def test_good_plugin_is_loaded_with_its_distribution(make_dist, fresh_manager):
    make_dist("chiltepin-good", {"good": "good_plugin"}, {"good_plugin": GOOD}, version="1.2.3")
    manager = fresh_manager()
    assert "goodlaunch" in manager.records("launchers")
    owner = manager.owner("launchers", "goodlaunch")
    assert (owner.name, owner.distribution, owner.version) == ("good", "chiltepin-good", "1.2.3")
    assert owner.hooks == ("chiltepin_launchers",)
    assert manager.failures == []


def test_core_builtins_come_from_the_core_entry_point(fresh_manager):
    manager = fresh_manager()
    core = manager.plugins["core"]
    assert core.builtin and core.distribution == "chiltepin-core"
    assert {"simple", "single-node"} <= set(manager.records("launchers"))
    assert "localhost" in manager.records("resource_providers")
    assert manager.owner("executor_backends", "htex").name == "core"


def test_broken_plugin_is_skipped_with_a_warning_and_the_rest_keep_working(make_dist, fresh_manager):
    make_dist("chiltepin-broken", {"broken": "broken_plugin"}, {"broken_plugin": BROKEN}, version="0.3.1")
    make_dist("chiltepin-good", {"good": "good_plugin"}, {"good_plugin": GOOD})
    with pytest.warns(PluginWarning, match=r"'broken' \(chiltepin-broken 0.3.1\).*module_that_does_not_exist"):
        manager = fresh_manager()
    assert "goodlaunch" in manager.records("launchers")
    [failure] = manager.failures
    assert failure.distribution == "chiltepin-broken" and "ModuleNotFoundError" in failure.error


def test_selecting_a_name_only_a_broken_plugin_provides_says_so(make_dist, fresh_manager):
    make_dist("chiltepin-broken", {"broken": "broken_plugin"}, {"broken_plugin": BROKEN})
    with pytest.warns(PluginWarning):
        manager = fresh_manager()
    with pytest.raises(PluginError, match=r"failed to load.*chiltepin-broken.*module_that_does_not_exist"):
        manager.lookup("launchers", "brokenlaunch")


def test_strict_mode_reraises(make_dist, fresh_manager, monkeypatch):
    make_dist("chiltepin-broken", {"broken": "broken_plugin"}, {"broken_plugin": BROKEN})
    monkeypatch.setenv("CHILTEPIN_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="chiltepin-broken"):
        fresh_manager()


def test_conflicting_names_are_an_error_naming_both_distributions(make_dist, fresh_manager):
    make_dist("chiltepin-good", {"good": "good_plugin"}, {"good_plugin": GOOD})
    make_dist("chiltepin-other", {"other": "other_plugin"}, {"other_plugin": CONFLICT}, version="2.0")
    manager = fresh_manager()
    with pytest.raises(PluginConflictError) as info:
        manager.records("launchers")
    message = str(info.value)
    assert "'goodlaunch' provided by" in message
    assert "chiltepin-good 0.1.0" in message and "chiltepin-other 2.0" in message
    assert "CHILTEPIN_DISABLE_PLUGINS" in message


def test_disabling_one_resolves_the_conflict(make_dist, fresh_manager, monkeypatch):
    make_dist("chiltepin-good", {"good": "good_plugin"}, {"good_plugin": GOOD})
    make_dist("chiltepin-other", {"other": "other_plugin"}, {"other_plugin": CONFLICT})
    monkeypatch.setenv("CHILTEPIN_DISABLE_PLUGINS", "other, unrelated")
    manager = fresh_manager()
    assert manager.owner("launchers", "goodlaunch").distribution == "chiltepin-good"
    assert "other" in manager.skipped


@pytest.mark.parametrize("source,hook", [(MISSPELLED, "chiltepin_launcher"),
                                         (UNDECORATED_MISSPELLED, "chiltepin_resource_provider")])
def test_misspelled_hook_is_refused_with_a_suggestion(make_dist, fresh_manager, source, hook):
    make_dist("chiltepin-typo", {"typo": "typo_plugin"}, {"typo_plugin": source})
    with pytest.warns(PluginWarning, match=rf"'{hook}' is not a chiltepin hook \(did you mean '{hook}s'\?\)"):
        manager = fresh_manager()
    assert "typo" not in manager.plugins
    assert "typo" not in manager.records("launchers")


def test_autoload_off_loads_only_the_builtins(make_dist, fresh_manager, monkeypatch):
    make_dist("chiltepin-good", {"good": "good_plugin"}, {"good_plugin": GOOD})
    monkeypatch.setenv("CHILTEPIN_PLUGIN_AUTOLOAD", "0")
    manager = fresh_manager()
    assert list(manager.plugins) == ["core"]
    assert "goodlaunch" not in manager.records("launchers")


def test_bad_records_are_refused(make_dist, fresh_manager):
    source = """
from chiltepin.plugins import hookimpl, LauncherSpec
@hookimpl
def chiltepin_launchers():
    return [LauncherSpec("Bad_Name", None), "not a record", LauncherSpec("fine", None)]
@hookimpl
def chiltepin_sites():
    raise RuntimeError("site table unreadable")
"""
    make_dist("chiltepin-bad", {"bad": "bad_plugin"}, {"bad_plugin": source})
    manager = fresh_manager()
    with pytest.warns(PluginWarning) as caught:
        launchers = manager.records("launchers")
        manager.records("sites")
    assert "fine" in launchers and "Bad_Name" not in launchers
    text = " | ".join(str(w.message) for w in caught)
    assert "invalid launcher name 'Bad_Name'" in text
    assert "returned str 'not a record'" in text
    assert "chiltepin_sites() raised RuntimeError: site table unreadable" in text


def test_plugin_setting_is_validated_through_config(make_dist, fresh_manager):
    from chiltepin.config import resolve_resource

    make_dist("chiltepin-good", {"good": "good_plugin"}, {"good_plugin": GOOD})
    manager = fresh_manager()
    resolved = resolve_resource("r", {"launcher": "goodlaunch", "ranks": 4}, manager)
    assert resolved.launcher == "goodlaunch" and resolved.get("ranks") == 4
    with pytest.raises(ConfigError, match=r"r\.ranks: must be at least 1, got 0"):
        resolve_resource("r", {"launcher": "goodlaunch", "ranks": 0}, manager)
