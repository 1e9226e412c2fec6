"""Meta-tests: the Sphinx docs build without warnings, and every hook is documented and tested."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from chiltepin.cli.reference import sections
from chiltepin.plugins import PluginManager, hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(name for name in vars(hookspecs) if name.startswith("chiltepin_"))


def text_of(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if shutil.which("sphinx-build", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("Sphinx is not installed (it is in the dev extra: make venv)")
    out = tmp_path_factory.mktemp("html")
    done = subprocess.run([str(Path(sys.executable).parent / "sphinx-build"), "-W", "--keep-going", "-q",
                           "-b", "html", str(ROOT / "docs"), str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"sphinx-build -W failed:\n{done.stderr}"
    return out


def test_every_page_is_built(built):
    for page in ("index", "quickstart", "tasks", "configuration", "data", "cli", "providers", "plugins/index",
                 "plugins/hooks", "plugins/site-plugins", "plugins/testing", "plugins/errors"):
        assert (built / f"{page}.html").exists(), page
    for provider_page in (ROOT / "docs" / "providers").glob("*.rst"):
        assert (built / "providers" / f"{provider_page.stem}.html").exists(), provider_page


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(built, hook):
    spec = getattr(hookspecs, hook)
    assert spec.__doc__ and "Example::" in spec.__doc__, f"{hook}: its docstring needs an 'Example::' block"
    page = text_of(built / "plugins" / "hooks.html")
    start = page.index(f"{hook}¶")
    entry = page[start:page.find("¶", start + len(hook) + 1)]
    kind = "decide" if spec.chiltepin_spec["firstresult"] else "collect"
    for expected in (f"{hook}(", "Kind:", kind, "Returns:", "Implemented by:", "Example", "@hookimpl"):
        assert expected in entry, (hook, expected)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook):
    this = Path(__file__).resolve()
    files = [p for p in (ROOT / "tests").rglob("test_*.py") if p.resolve() != this]
    files += list((ROOT / "examples").rglob("test_*.py"))
    assert any(hook in p.read_text(encoding="utf-8") for p in files), f"no test mentions {hook}"


def test_every_installed_key_is_in_the_configuration_reference(built):
    page = text_of(built / "configuration.html")
    manager = PluginManager()
    manager.load_entrypoints()
    for section in sections(manager):
        start = page.index(section.title)
        following = page[start:]
        for setting in section.settings:
            assert f"{setting.name} ({setting.type.describe()}" in following, (section.title, setting.name)
            assert setting.help.split(". ")[0][:60] in following, (section.title, setting.name)


def test_first_party_plugins_are_in_the_reference(built):
    page = text_of(built / "configuration.html")
    for title in ("localhost: resource provider (chiltepin-core)", "htex: executor backend (chiltepin-core)",
                  "local: transfer provider (endpoint settings) (chiltepin-core)"):
        assert title in page
