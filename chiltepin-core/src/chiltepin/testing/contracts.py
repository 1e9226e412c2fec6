"""Contract test classes: subclass one in a plugin's own tests to prove the plugin behaves.

Each contract checks one record through core's real machinery (the plugin manager, config
resolution, the builders) against the plugins installed in the environment, plus ``plugin``
(a module or object of hook implementations) when it is not installed yet::

    from chiltepin.testing import SiteContract

    class TestCobalt(SiteContract):
        site_name = "cobalt"
        sample_hostnames = ("cr-login1.cobalt.example.org",)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import pytest

from ..config.resolve import CORE_SETTINGS, PROVIDER_SETTINGS, build_executor, resolve_resource
from ..errors import ConfigError, TransferError
from ..plugins.manager import NAME_PATTERN, PluginManager, set_plugin_manager
from ..settings import Setting, default_problems

CORE_KEYS = frozenset(s.name for s in CORE_SETTINGS + PROVIDER_SETTINGS)


def settings_problems(settings: Sequence[Setting], owner: str) -> list[str]:
    """What is wrong with a settings declaration: missing help, duplicates, bad defaults."""
    problems = []
    seen: set[str] = set()
    for setting in settings:
        where = f"{owner} setting '{setting.name}'"
        if setting.name in seen:
            problems.append(f"{where} is declared twice")
        seen.add(setting.name)
        if not setting.help.strip():
            problems.append(f"{where} has no help text")
    problems.extend(f"{owner} {problem}" for problem in default_problems(settings))
    return problems


class _Contract:
    #: A module or object of hook implementations to register when it is not installed.
    plugin: ClassVar[object | None] = None

    @pytest.fixture
    def manager(self) -> Iterator[PluginManager]:
        """A fresh manager over the installed plugins (plus ``plugin``), independent of other tests,
        installed as the process-wide manager for the test (builders may look records up there)."""
        manager = PluginManager()
        manager.load_entrypoints()
        if self.plugin is not None and not manager.pluggy.is_registered(self.plugin):
            assert manager.register(self.plugin, distribution="plugin-under-test") is not None, manager.failures
        previous = set_plugin_manager(manager)
        try:
            yield manager
        finally:
            set_plugin_manager(previous)


class ResourceProviderContract(_Contract):
    """A resource provider: valid name and settings, resolves and builds with its defaults."""

    provider_name: ClassVar[str] = ""
    #: Keys a resource needs besides ``provider`` (values for the required settings).
    options: ClassVar[Mapping[str, Any]] = {}

    @pytest.fixture
    def record(self, manager: PluginManager) -> Any:
        return manager.lookup("resource_providers", self.provider_name)

    def _block(self, **extra: Any) -> dict[str, Any]:
        return {"provider": self.provider_name, **self.options, **extra}

    def test_name_is_valid(self, record: Any) -> None:
        assert NAME_PATTERN.fullmatch(record.name)
        assert record.description.strip(), f"provider '{record.name}' has no description"

    def test_settings_have_help_and_valid_defaults(self, record: Any) -> None:
        assert settings_problems(record.settings, f"provider '{record.name}'") == []

    def test_settings_leave_core_keys_alone(self, record: Any) -> None:
        assert CORE_KEYS.isdisjoint(s.name for s in record.settings)

    def test_default_launcher_is_installed(self, record: Any, manager: PluginManager) -> None:
        if record.default_launcher is not None:
            manager.lookup("launchers", record.default_launcher)

    def test_builds_with_defaults(self, record: Any, manager: PluginManager) -> None:
        from parsl.providers.base import ExecutionProvider

        resource = resolve_resource("contract", self._block(), manager)
        assert resource.provider == self.provider_name
        spec = manager.lookup("launchers", resource.launcher) if resource.launcher else None
        provider = record.build(resource, spec.build(resource) if spec else None)
        assert isinstance(provider, ExecutionProvider), f"build() returned {provider!r}, not a Parsl ExecutionProvider"
        assert build_executor(resource, manager).label == "contract"

    def test_unknown_key_is_named(self, manager: PluginManager) -> None:
        message = rf"contract\.no_such_key: unknown key for provider '{self.provider_name}'"
        with pytest.raises(ConfigError, match=message):
            resolve_resource("contract", self._block(no_such_key=1), manager)

    def test_missing_required_keys_are_named(self, record: Any, manager: PluginManager) -> None:
        for setting in record.settings:
            if setting.required:
                block = self._block()
                block.pop(setting.name, None)
                with pytest.raises(ConfigError, match=rf"contract\.{setting.name}: required"):
                    resolve_resource("contract", block, manager)


class LauncherContract(_Contract):
    """A block launcher: valid name and settings, and it wraps a command."""

    launcher_name: ClassVar[str] = ""
    #: The resource it is tried on.
    options: ClassVar[Mapping[str, Any]] = {"provider": "localhost"}

    @pytest.fixture
    def record(self, manager: PluginManager) -> Any:
        return manager.lookup("launchers", self.launcher_name)

    def test_name_is_valid(self, record: Any) -> None:
        assert NAME_PATTERN.fullmatch(record.name)
        assert record.description.strip(), f"launcher '{record.name}' has no description"

    def test_settings_have_help_and_valid_defaults(self, record: Any) -> None:
        assert settings_problems(record.settings, f"launcher '{record.name}'") == []

    def test_launches(self, record: Any, manager: PluginManager) -> None:
        from parsl.launchers.base import Launcher

        resource = resolve_resource("contract", {**self.options, "launcher": self.launcher_name}, manager)
        launcher = record.build(resource)
        assert isinstance(launcher, Launcher)
        assert "chiltepin-contract-cmd" in launcher("chiltepin-contract-cmd", 1, 1)


class MPILauncherContract(_Contract):
    """An MPI launcher: valid name, and a non-empty prefix for a geometry and its nodes."""

    launcher_name: ClassVar[str] = ""
    #: The completed geometry and the nodes its prefix is asked for.
    sample_spec: ClassVar[Mapping[str, Any]] = {"num_nodes": 2, "ranks_per_node": 2, "num_ranks": 4}
    sample_nodes: ClassVar[Sequence[str]] = ("node-a", "node-b")

    @pytest.fixture
    def record(self, manager: PluginManager) -> Any:
        return manager.lookup("mpi_launchers", self.launcher_name)

    def test_name_is_valid(self, record: Any) -> None:
        assert NAME_PATTERN.fullmatch(record.name)
        assert record.description.strip(), f"MPI launcher '{record.name}' has no description"

    def test_prefix(self, record: Any) -> None:
        prefix = record.prefix(self.sample_spec, list(self.sample_nodes))
        assert isinstance(prefix, str) and prefix.strip(), f"prefix() returned {prefix!r}"


class ExecutorBackendContract(_Contract):
    """An executor backend: valid name and settings, and it builds a Parsl executor labelled
    with the resource's name from a resource that selects it."""

    backend_name: ClassVar[str] = ""
    #: The resource the backend is built for (``executor:`` is added).
    options: ClassVar[Mapping[str, Any]] = {"provider": "localhost"}

    @pytest.fixture
    def record(self, manager: PluginManager) -> Any:
        return manager.lookup("executor_backends", self.backend_name)

    def test_name_is_valid(self, record: Any) -> None:
        assert NAME_PATTERN.fullmatch(record.name)
        assert record.description.strip(), f"executor backend '{record.name}' has no description"

    def test_settings_have_help_and_valid_defaults(self, record: Any) -> None:
        assert settings_problems(record.settings, f"executor backend '{record.name}'") == []

    def test_settings_leave_core_keys_alone(self, record: Any) -> None:
        assert CORE_KEYS.isdisjoint(s.name for s in record.settings)

    def test_builds_an_executor(self, record: Any, manager: PluginManager) -> None:
        from parsl.executors.base import ParslExecutor

        resource = resolve_resource("contract", {**self.options, "executor": self.backend_name}, manager)
        assert resource.backend == self.backend_name
        executor = build_executor(resource, manager)
        assert isinstance(executor, ParslExecutor), f"build() returned {executor!r}, not a Parsl executor"
        assert executor.label == "contract"

    def test_selected_as_declared(self, record: Any, manager: PluginManager) -> None:
        """Without ``executor:``, its ``selected_by`` key picks it; a backend without one is
        never picked implicitly (except core's default, ``htex``)."""
        if record.selected_by is not None:
            block = {**self.options, record.selected_by: self.options.get(record.selected_by, True)}
            assert resolve_resource("contract", block, manager).backend == self.backend_name
        else:
            implicit = resolve_resource("contract", dict(self.options), manager).backend
            assert (implicit == record.name) == (record.name == "htex")


class TransferProviderContract(_Contract):
    """A transfer provider: copies a file and a tree, deletes, and names a missing source.

    Subclasses provide the ``endpoints`` fixture (two endpoint mappings as the provider receives
    them, each with its ``name``) and :meth:`put`/:meth:`get` to reach the endpoints' data.
    """

    provider_name: ClassVar[str] = ""
    waits: ClassVar[Mapping[str, float]] = {"timeout": 60, "polling_interval": 0.1}

    @pytest.fixture
    def endpoints(self) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        raise NotImplementedError("define the endpoints fixture: return (source, destination) endpoint mappings")

    def put(self, endpoint: Mapping[str, Any], path: str, data: bytes) -> None:
        raise NotImplementedError

    def get(self, endpoint: Mapping[str, Any], path: str) -> bytes:
        """The data at ``path``; raise FileNotFoundError when there is none."""
        raise NotImplementedError

    @pytest.fixture
    def transferer(self, manager: PluginManager) -> Any:
        return manager.lookup("transfer_providers", self.provider_name).build()

    def test_settings_have_help_and_valid_defaults(self, manager: PluginManager) -> None:
        record = manager.lookup("transfer_providers", self.provider_name)
        assert NAME_PATTERN.fullmatch(record.name)
        assert settings_problems(record.settings, f"transfer provider '{record.name}'") == []

    def test_copies_a_file(self, transferer: Any, endpoints: Any) -> None:
        src, dst = endpoints
        self.put(src, "in/data.bin", b"\x00chiltepin\xff" * 100)
        assert transferer.transfer(src, dst, "in/data.bin", "out/copy.bin", recursive=False, **self.waits) is True
        assert self.get(dst, "out/copy.bin") == b"\x00chiltepin\xff" * 100

    def test_copies_a_tree(self, transferer: Any, endpoints: Any) -> None:
        src, dst = endpoints
        files = {"tree/a.txt": b"a", "tree/sub/b.txt": b"bb", "tree/sub/deeper/c.txt": b"ccc"}
        for path, data in files.items():
            self.put(src, path, data)
        assert transferer.transfer(src, dst, "tree", "copy", recursive=True, **self.waits) is True
        for path, data in files.items():
            assert self.get(dst, "copy" + path.removeprefix("tree")) == data

    def test_missing_source_is_named(self, transferer: Any, endpoints: Any) -> None:
        src, dst = endpoints
        with pytest.raises(TransferError, match="no-such-file"):
            transferer.transfer(src, dst, "no-such-file", "out", recursive=False, **self.waits)

    def test_deletes(self, transferer: Any, endpoints: Any) -> None:
        src, _ = endpoints
        self.put(src, "doomed.txt", b"x")
        assert transferer.delete(src, "doomed.txt", recursive=False, **self.waits) is True
        with pytest.raises(FileNotFoundError):
            self.get(src, "doomed.txt")
        with pytest.raises(TransferError, match="doomed.txt"):
            transferer.delete(src, "doomed.txt", recursive=False, **self.waits)


class SiteContract(_Contract):
    """A site: every preset resolves and builds against the installed plugins, and detection
    recognises the sample machines but not ``localhost``."""

    site_name: ClassVar[str] = ""
    #: Host names of the site's machines that detection must recognise.
    sample_hostnames: ClassVar[Sequence[str]] = ()
    #: An environment (with a host name it would not recognise) that detection must recognise.
    sample_environ: ClassVar[Mapping[str, str]] = {}

    @pytest.fixture
    def site(self, manager: PluginManager) -> Any:
        return manager.lookup("sites", self.site_name)

    def test_site_is_described(self, site: Any) -> None:
        assert NAME_PATTERN.fullmatch(site.name)
        assert site.description.strip(), f"site '{site.name}' has no description"
        assert site.presets, f"site '{site.name}' has no presets"
        assert all(isinstance(line, str) for line in site.environment)

    def test_presets_resolve_and_build(self, site: Any, manager: PluginManager) -> None:
        problems = []
        for preset in sorted(site.presets):
            try:
                resource = resolve_resource(f"preset-{preset}", {"extends": f"{site.name}:{preset}"}, manager)
                assert resource.site == site.name
                build_executor(resource, manager)
            except ConfigError as exc:
                problems.extend(exc.problems)
        assert problems == [], "site presets do not validate:\n" + "\n".join(problems)

    def test_detection(self, manager: PluginManager) -> None:
        for hostname in self.sample_hostnames:
            assert manager.detect_site(hostname=hostname, environ={}) == self.site_name, hostname
        if self.sample_environ:
            assert manager.detect_site(hostname="localhost", environ=self.sample_environ) == self.site_name
        assert manager.detect_site(hostname="localhost", environ={}) != self.site_name
