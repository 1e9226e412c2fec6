"""The shipped contracts hold for core's own records, and fail for plugins that break them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from chiltepin.plugins import Bool, Int, Setting, Str, StrList
from chiltepin.testing import ExecutorBackendContract, LauncherContract, MPILauncherContract, ResourceProviderContract
from chiltepin.testing.contracts import settings_problems


class TestLocalhostProvider(ResourceProviderContract):
    provider_name = "localhost"


class TestSimpleLauncher(LauncherContract):
    launcher_name = "simple"


class TestSingleNodeLauncher(LauncherContract):
    launcher_name = "single-node"


class TestHtexBackend(ExecutorBackendContract):
    backend_name = "htex"


class TestThreadsBackend(ExecutorBackendContract):
    backend_name = "threads"
    options = {}


def needs(distribution):
    """Skip (a failure under CI) when a first-party member is not installed."""
    from importlib import metadata

    try:
        metadata.distribution(distribution)
        missing = False
    except metadata.PackageNotFoundError:
        missing = True
    return pytest.mark.skipif(missing, reason=f"{distribution} is not installed (make venv installs every member)")


@needs("chiltepin-slurm")
class TestSlurmProvider(ResourceProviderContract):
    provider_name = "slurm"


@needs("chiltepin-slurm")
class TestPbsproProvider(ResourceProviderContract):
    provider_name = "pbspro"


@needs("chiltepin-slurm")
class TestSrunBlockLauncher(LauncherContract):
    launcher_name = "srun"
    options = {"provider": "slurm"}


@needs("chiltepin-mpi")
@pytest.mark.parametrize("launcher", ["srun", "mpiexec", "mpiexec-openmpi", "aprun"])
class TestMpiLaunchers(MPILauncherContract):
    @pytest.fixture
    def record(self, manager, launcher):
        return manager.lookup("mpi_launchers", launcher)


def test_settings_problems_are_found():
    bad = (Setting("queue", Str(), None, ""),
           Setting("queue", Str(), None, "Queue."),
           Setting("nodes", Int(minimum=1), 0, "Nodes."),
           Setting("account", Str(), "me", "Account.", required=True),
           Setting("flags", StrList(), "--exclusive", "Flags."))
    assert settings_problems(bad, "provider 'lsf'") == [
        "provider 'lsf' setting 'queue' has no help text",
        "provider 'lsf' setting 'queue' is declared twice",
        "provider 'lsf' setting 'nodes': default 0 is invalid: must be at least 1, got 0",
        "provider 'lsf' setting 'account' is required but has a default",
        "provider 'lsf' setting 'flags': default '--exclusive' is invalid: expected a list of strings, got a "
        "single string; write it as a YAML list (one '- item' per line)",
    ]
    assert settings_problems((Setting("debug", Bool(), False, "Verbose."),), "x") == []


BROKEN_PLUGIN = '''
from chiltepin.plugins import ResourceProvider, Setting, Site, Str, hookimpl
from chiltepin.testing import ResourceProviderContract, SiteContract


class Plugin:
    @hookimpl
    def chiltepin_resource_providers(self):
        return [ResourceProvider(name="lsf", build=lambda resource, launcher: None, description="",
                                 settings=(Setting("queue", Str(), None, ""),))]

    @hookimpl
    def chiltepin_sites(self):
        return [Site(name="bad", description="x", presets={"p": {"provider": "localhost", "partiton": "x"}})]

    @hookimpl
    def chiltepin_detect_site(self, hostname, environ):
        return "bad"


class TestLsf(ResourceProviderContract):
    plugin = Plugin()
    provider_name = "lsf"


class TestBadSite(SiteContract):
    plugin = TestLsf.plugin
    site_name = "bad"
    sample_hostnames = ("bad-1",)
'''


def test_contracts_fail_a_broken_plugin(tmp_path):
    """Run the contracts on a deliberately broken plugin in a separate pytest and read the verdicts."""
    (tmp_path / "test_broken.py").write_text(textwrap.dedent(BROKEN_PLUGIN))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", "test_broken.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "CHILTEPIN_PLUGIN_AUTOLOAD": "0"})
    out = done.stdout
    assert done.returncode == 1, out
    failed = {line.split("::")[-1].split(" ")[0] for line in out.splitlines() if line.startswith("FAILED")}
    assert failed == {"test_name_is_valid", "test_settings_have_help_and_valid_defaults", "test_builds_with_defaults",
                      "test_presets_resolve_and_build", "test_detection"}, out
    assert "p.partiton: unknown key for provider 'localhost'" in out


def test_isolated_manager_is_swapped_in_and_restored(request):
    from chiltepin.plugins import get_plugin_manager

    outer = get_plugin_manager()
    inner = request.getfixturevalue("chiltepin_plugin_manager")
    assert get_plugin_manager() is inner is not outer
    assert set(inner.plugins) == {"core"}
    assert list(inner.records("transfer_providers")) == ["local"]


def test_register_plugin_refuses_a_misspelled_hook(chiltepin_register_plugin):
    from chiltepin.errors import PluginError

    class Typo:
        def chiltepin_site(self):
            return []

    with pytest.warns(UserWarning), pytest.raises(PluginError, match=r"'chiltepin_site' is not a chiltepin hook "
                                                                      r"\(did you mean 'chiltepin_sites'\?\)"):
        chiltepin_register_plugin(Typo())


def test_fixture_module_is_cheap_and_side_effect_free():
    """A suite that loads it (pytest_plugins) imports it before any test, so it must load nothing heavy."""
    code = ("import sys, chiltepin.testing.fixtures, chiltepin.testing as t; "
            "print(sorted(m for m in ('parsl', 'chiltepin.plugins.manager', 'chiltepin.testing.contracts', "
            "'chiltepin.workflow') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stderr
