"""docs/plugins/errors.rst shows, for each plugin mistake, the exact message a user gets. Each
example here is produced by making that mistake in a real installed distribution (dist-info on
sys.path: plugin 'x' of chiltepin-x 1.0, or 'y' of chiltepin-y 2.0) and compared with the page,
so the page cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from chiltepin.config import build_executor, resolve_all, resolve_resource
from chiltepin.config.document import load_document
from chiltepin.errors import ChiltepinError
from chiltepin.plugins import PluginWarning

PAGE = Path(__file__).resolve().parents[2] / "docs" / "plugins" / "errors.rst"

LSF = """
from chiltepin.plugins import BLOCK_SETTINGS, ResourceProvider, Setting, Str, hookimpl
{extra}
@hookimpl
def chiltepin_resource_providers():
    return [ResourceProvider("lsf", {build}, BLOCK_SETTINGS + ({settings}), description="LSF jobs."{more})]
"""


def lsf(build="lambda resource, launcher: None", settings="", more="", extra=""):
    return LSF.format(build=build, settings=settings, more=more, extra=extra)


def examples() -> dict[str, str]:
    """Each ``.. code-block:: text`` named ``plugin-error-ID`` on the page, by ID."""
    text = PAGE.read_text(encoding="utf-8")
    found = re.findall(r"^\.\. code-block:: text\n   :name: plugin-error-([a-z-]+)\n\n((?:   .*\n|\n)+?)(?=\S|\Z)",
                       text, re.MULTILINE)
    return {name: "\n".join(line[3:] for line in body.strip("\n").split("\n")) for name, body in found}


def warned(fresh_manager, use=lambda manager: None) -> str:
    """The one PluginWarning of loading the installed plugins and ``use``-ing the manager."""
    with pytest.warns(PluginWarning) as caught:
        use(fresh_manager())
    messages = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    assert len(messages) == 1, messages
    return messages[0]


def raised(call) -> str:
    with pytest.raises(ChiltepinError) as caught:
        call()
    return str(caught.value)


def mistake_import(install, fresh_manager):
    install("x", "import lsf_sdk\n")
    return warned(fresh_manager)


def mistake_hook_raises(install, fresh_manager):
    install("x", "def chiltepin_resource_providers():\n    raise RuntimeError('cannot read /etc/lsf.conf')\n")
    return warned(fresh_manager, lambda manager: manager.records("resource_providers"))


def mistake_wrong_record(install, fresh_manager):
    install("x", "def chiltepin_resource_providers():\n    return ['lsf']\n")
    return warned(fresh_manager, lambda manager: manager.records("resource_providers"))


def mistake_bad_default(install, fresh_manager):
    install("x", lsf(settings='Setting("queue", Str(), 42, "Queue."),'))
    return warned(fresh_manager, lambda manager: manager.records("resource_providers"))


def mistake_hook_typo(install, fresh_manager):
    install("x", "def chiltepin_resource_provider():\n    return []\n")
    return warned(fresh_manager)


def mistake_detector_raises(install, fresh_manager):
    install("x", "def chiltepin_detect_site(hostname, environ):\n    return environ['LSF_ENVDIR']\n")
    return warned(fresh_manager, lambda manager: manager.detect_site(hostname="login1", environ={}))


def mistake_translator_answer(install, fresh_manager):
    install("x", "def chiltepin_translate_geometry(geometry, resource):\n    return [1, 2]\n")
    manager = fresh_manager()
    return raised(lambda: manager.translate_geometry({"num_ranks": 2}, None))


def mistake_record_check(install, fresh_manager):
    install("x", lsf(more=", check=lambda options: [options['queue']]"))
    manager = fresh_manager()
    return raised(lambda: resolve_all(load_document({"jobs": {"provider": "lsf"}}), manager, ["jobs"]))


def mistake_setting_check(install, fresh_manager):
    install("x", lsf(settings='Setting("queue", Str(), None, "Queue.", check=lambda value: value.isalpha()),'))
    manager = fresh_manager()
    return raised(lambda: resolve_resource("jobs", {"provider": "lsf", "queue": "debug"}, manager))


def mistake_build_raises(install, fresh_manager):
    install("x", lsf(build="build", extra="def build(resource, launcher):\n    raise KeyError('LSF_BINDIR')\n"))
    manager = fresh_manager()
    return raised(lambda: build_executor(resolve_resource("jobs", {"provider": "lsf"}, manager), manager))


def mistake_conflict(install, fresh_manager):
    install("x", lsf())
    install("y", lsf(), dist="chiltepin-y", version="2.0")
    manager = fresh_manager()
    return raised(lambda: manager.records("resource_providers"))


MISTAKES = {name.removeprefix("mistake_").replace("_", "-"): function
            for name, function in globals().items() if name.startswith("mistake_")}


@pytest.fixture
def install(make_dist):
    def install(name, source, dist="chiltepin-x", version="1.0"):
        make_dist(dist, {name: f"{name}_errors_plugin"}, {f"{name}_errors_plugin": source}, version=version)
    return install


def test_every_example_on_the_page_is_a_mistake_made_here():
    assert sorted(examples()) == sorted(MISTAKES)


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_the_page_shows_the_real_message(name, install, fresh_manager):
    assert MISTAKES[name](install, fresh_manager) == examples()[name]
