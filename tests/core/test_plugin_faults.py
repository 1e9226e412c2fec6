"""Plugin code that raises or answers the wrong type: each fault is a real installed distribution
(dist-info on sys.path), reported in one message naming the plugin, its distribution and version,
the hook or record and the value, while everything else keeps working."""

from __future__ import annotations

import pytest
from chiltepin.config import build_executor, resolve_all, resolve_resource
from chiltepin.config.document import load_document
from chiltepin.errors import ConfigError, PluginError
from chiltepin.plugins import PluginWarning

SITE = """
from chiltepin.plugins import Site, hookimpl
@hookimpl
def chiltepin_sites():
    return [Site("good", {"compute": {"provider": "localhost"}}, description="A good site.")]
@hookimpl
def chiltepin_detect_site(hostname, environ):
    return "good" if hostname == "good-login" else None
"""


def install(make_dist, name, source, version="1.2.0"):
    module = name.replace("-", "_") + "_plugin"
    make_dist(f"chiltepin-{name}", {name: module}, {module: source}, version=version)


def test_a_detector_that_raises_is_skipped_and_named(make_dist, fresh_manager):
    install(make_dist, "site-good", SITE)
    install(make_dist, "site-raises", """
def chiltepin_detect_site(hostname, environ):
    return environ["NO_SUCH_VARIABLE"]
""")
    manager = fresh_manager()
    with pytest.warns(PluginWarning) as caught:
        assert manager.detect_site(hostname="good-login", environ={}) == "good"
        assert manager.detect_site(hostname="elsewhere", environ={}) is None
    assert str(caught[0].message) == (
        "chiltepin: plugin 'site-raises' (chiltepin-site-raises 1.2.0) is loaded without its chiltepin_detect_site "
        "answer: chiltepin_detect_site() raised KeyError: 'NO_SUCH_VARIABLE'. Fix or update it, or set "
        "CHILTEPIN_DISABLE_PLUGINS=site-raises to silence this.")


def test_a_detector_answering_a_number_is_named(make_dist, fresh_manager):
    install(make_dist, "site-number", """
def chiltepin_detect_site(hostname, environ):
    return 42
""")
    manager = fresh_manager()
    with pytest.warns(PluginWarning, match=r"^chiltepin: plugin 'site-number' \(chiltepin-site-number 1\.2\.0\) "
                                           r"is loaded without its chiltepin_detect_site answer: chiltepin_detect_site"
                                           r"\(\) returned int 42; expected a site name \(str\) or None\."):
        assert manager.detect_site(hostname="anywhere", environ={}) is None
    resolve_resource("r", {"provider": "localhost"}, manager)


def test_a_record_check_that_raises_is_one_problem_naming_the_plugin(make_dist, fresh_manager):
    install(make_dist, "fragile", """
from chiltepin.plugins import ResourceProvider, hookimpl
from chiltepin.plugins.common import BLOCK_SETTINGS
def check(options):
    return [options["no_such_key"]]
@hookimpl
def chiltepin_resource_providers():
    return [ResourceProvider("fragile", lambda r, l: None, BLOCK_SETTINGS, description="d", check=check)]
""")
    manager = fresh_manager()
    document = load_document({"bad": {"provider": "fragile"}, "fine": {"provider": "localhost"}})
    with pytest.raises(ConfigError) as caught:
        resolve_all(document, manager)
    assert caught.value.problems == [
        "bad: resource provider 'fragile' from plugin 'fragile' (chiltepin-fragile 1.2.0): check() raised "
        "KeyError: 'no_such_key'; report this to the plugin's authors"]
    assert resolve_resource("fine", {"provider": "localhost"}, manager).provider == "localhost"


def test_a_setting_check_returning_a_bool_is_a_plugin_fault(make_dist, fresh_manager):
    install(make_dist, "boolish", """
from chiltepin.plugins import ResourceProvider, Setting, Str, hookimpl
from chiltepin.plugins.common import BLOCK_SETTINGS
QUEUE = Setting("queue", Str(), None, "Queue.", check=lambda value: value.startswith("q"))
@hookimpl
def chiltepin_resource_providers():
    return [ResourceProvider("boolish", lambda r, l: None, BLOCK_SETTINGS + (QUEUE,), description="d")]
""")
    manager = fresh_manager()
    with pytest.raises(ConfigError) as caught:
        resolve_resource("r", {"provider": "boolish", "queue": "quick"}, manager)
    assert caught.value.problems == [
        "r.queue: resource provider 'boolish' from plugin 'boolish' (chiltepin-boolish 1.2.0): setting 'queue': "
        "check('quick') returned bool True; a Setting check returns None or a message"]


def test_records_with_invalid_defaults_are_refused_at_load(make_dist, fresh_manager):
    install(make_dist, "defaults", """
from chiltepin.plugins import LauncherSpec, ResourceProvider, Setting, Str, Int, hookimpl
from chiltepin.plugins.common import BLOCK_SETTINGS
def even(value):
    return None if value % 2 == 0 else "must be even"
@hookimpl
def chiltepin_resource_providers():
    return [ResourceProvider("wrong-type", lambda r, l: None, (Setting("scratch", Str(), 42, "Scratch."),),
                             description="d"),
            ResourceProvider("fails-check", lambda r, l: None, (Setting("ranks", Int(), 3, "Ranks.", check=even),),
                             description="d"),
            ResourceProvider("fine", lambda r, l: None, BLOCK_SETTINGS, description="d")]
@hookimpl
def chiltepin_launchers():
    return [LauncherSpec("also-fine", build=lambda r: None, description="d")]
""")
    manager = fresh_manager()
    with pytest.warns(PluginWarning) as caught:
        providers = manager.records("resource_providers")
    assert "fine" in providers and "wrong-type" not in providers and "fails-check" not in providers
    assert "also-fine" in manager.records("launchers")
    assert [str(w.message) for w in caught] == [
        "chiltepin: plugin 'defaults' (chiltepin-defaults 1.2.0) is loaded without resource provider 'wrong-type': "
        "resource provider 'wrong-type' declares invalid defaults: setting 'scratch': default 42 is invalid: "
        "expected a string, got int 42. Fix or update it, or set CHILTEPIN_DISABLE_PLUGINS=defaults to silence this.",
        "chiltepin: plugin 'defaults' (chiltepin-defaults 1.2.0) is loaded without resource provider 'fails-check': "
        "resource provider 'fails-check' declares invalid defaults: setting 'ranks': default 3 is invalid: must be "
        "even. Fix or update it, or set CHILTEPIN_DISABLE_PLUGINS=defaults to silence this."]
    assert [(f.name, f.partial) for f in manager.failures] == [("defaults", True), ("defaults", True)]


def test_a_collect_hook_that_raises_leaves_the_plugins_other_hooks(make_dist, fresh_manager):
    install(make_dist, "half", """
from chiltepin.plugins import Site, hookimpl
@hookimpl
def chiltepin_resource_providers():
    raise RuntimeError("boom")
@hookimpl
def chiltepin_sites():
    return [Site("half", {"compute": {"provider": "localhost"}}, description="Half a plugin.")]
""")
    manager = fresh_manager()
    with pytest.warns(PluginWarning, match=r"^chiltepin: plugin 'half' \(chiltepin-half 1\.2\.0\) is loaded without "
                                           r"its resource providers: chiltepin_resource_providers\(\) raised "
                                           r"RuntimeError: boom\."):
        assert "localhost" in manager.records("resource_providers")
    assert "half" in manager.records("sites")


def test_a_translator_that_raises_names_the_plugin(make_dist, fresh_manager):
    install(make_dist, "geo", """
def chiltepin_translate_geometry(geometry, resource):
    raise RuntimeError("no table for this machine")
""")
    manager = fresh_manager()
    with pytest.raises(PluginError, match=r"^plugin 'geo' \(chiltepin-geo 1\.2\.0\): chiltepin_translate_geometry\(\) "
                                          r"raised RuntimeError: no table for this machine\. Fix or update it, or "
                                          r"set CHILTEPIN_DISABLE_PLUGINS=geo\.$"):
        manager.translate_geometry({"num_ranks": 2}, None)


def test_a_translator_answering_a_list_names_the_plugin(make_dist, fresh_manager):
    install(make_dist, "geo", """
def chiltepin_translate_geometry(geometry, resource):
    return [1, 2]
""")
    manager = fresh_manager()
    with pytest.raises(PluginError, match=r"chiltepin_translate_geometry\(\) returned list \[1, 2\]; expected a "
                                          r"mapping \(a Parsl resource specification\) or None"):
        manager.translate_geometry({"num_ranks": 2}, None)


def test_chained_translators_ask_only_those_after_the_caller(chiltepin_register_plugin):
    calls = []

    class First:
        def chiltepin_translate_geometry(self, geometry, resource):
            calls.append("first")
            rest = manager.translate_geometry({"num_ranks": geometry["num_ranks"]}, resource, after=self)
            return {**rest, "outer": True}

    class Second:
        def chiltepin_translate_geometry(self, geometry, resource):
            calls.append("second")
            return {"num_ranks": geometry["num_ranks"], "inner": True}

    from chiltepin.plugins import get_plugin_manager

    chiltepin_register_plugin(Second(), "second")
    chiltepin_register_plugin(First(), "first")
    manager = get_plugin_manager()
    assert manager.translate_geometry({"num_ranks": 4, "x": 1}, None) == {"num_ranks": 4, "inner": True,
                                                                         "outer": True}
    assert calls == ["first", "second"]


def test_build_faults_name_the_plugin(make_dist, fresh_manager):
    install(make_dist, "broken-build", """
from chiltepin.plugins import ResourceProvider, hookimpl
from chiltepin.plugins.common import BLOCK_SETTINGS
def build(resource, launcher):
    raise AttributeError("'NoneType' object has no attribute 'cores'")
@hookimpl
def chiltepin_resource_providers():
    return [ResourceProvider("broken-build", build, BLOCK_SETTINGS, description="d")]
""")
    manager = fresh_manager()
    with pytest.raises(ConfigError, match=r"^r: resource provider 'broken-build' from plugin 'broken-build' "
                                          r"\(chiltepin-broken-build 1\.2\.0\) rejected the settings: AttributeError"):
        build_executor(resolve_resource("r", {"provider": "broken-build"}, manager), manager)
