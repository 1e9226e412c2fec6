"""pytest fixtures for testing workflows and chiltepin plugins.

Load them in a test suite's ``conftest.py``::

    pytest_plugins = ["chiltepin.testing.fixtures"]

(chiltepin-core has no ``pytest11`` entry point: pytest would then assertion-rewrite every module
of the distribution, and task functions would carry pytest's state into serialization.) Importing
this module loads nothing heavy; only ``chiltepin_worker_import_path`` acts without being asked.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest


def _inside(path: str, root: str) -> bool:
    path, root = os.path.abspath(path), os.path.abspath(root)
    return path == root or path.startswith(root + os.sep)


@pytest.fixture(scope="session", autouse=True)
def chiltepin_worker_import_path(pytestconfig: pytest.Config) -> Iterator[list[str]]:
    """Let worker processes import the modules the tests import (helpers beside the tests).

    pytest puts test directories on ``sys.path`` of its own process only; workers unpickle task
    functions by module name in fresh interpreters. For the session this fixture prepends every
    ``sys.path`` entry inside the rootdir (but not inside the running environment, such as a
    ``.venv`` in the project) to ``PYTHONPATH``, which workers inherit. Yields the directories added.
    """
    root = str(pytestconfig.rootpath)
    dirs: list[str] = []
    for entry in sys.path:
        path = os.path.abspath(entry or os.getcwd())
        if _inside(path, root) and not _inside(path, sys.prefix) and path not in dirs:
            dirs.append(path)
    old = os.environ.get("PYTHONPATH")
    with pytest.MonkeyPatch.context() as patch:
        if dirs:
            patch.setenv("PYTHONPATH", os.pathsep.join(dirs + ([old] if old else [])))
        yield dirs


@pytest.fixture
def chiltepin_plugin_manager() -> Iterator[Any]:
    """A fresh plugin manager holding only core's built-ins, installed as the process-wide
    manager for the test and replaced by the previous one afterwards.

    Example::

        def test_lists_only_core(chiltepin_plugin_manager):
            assert "localhost" in chiltepin_plugin_manager.records("resource_providers")
    """
    from chiltepin.plugins.manager import PluginManager, set_plugin_manager

    manager = PluginManager(autoload=False, disabled=(), strict=False)
    manager.load_entrypoints()
    previous = set_plugin_manager(manager)
    try:
        yield manager
    finally:
        set_plugin_manager(previous)


@pytest.fixture
def chiltepin_register_plugin(chiltepin_plugin_manager: Any) -> Callable[..., Any]:
    """``register(plugin, name=None, distribution="test-plugin", version="0")``: add a module or
    object of hook implementations to the isolated manager; returns its PluginInfo and raises
    PluginError with the reason when the manager refuses it.

    Example::

        class Site:
            @hookimpl
            def chiltepin_sites(self):
                return [Site(name="heron", presets={"compute": {"provider": "localhost"}})]

        def test_preset(chiltepin_register_plugin):
            chiltepin_register_plugin(Site())
            with Workflow({"work": {"extends": "heron:compute"}}, include=["work"]):
                ...
    """
    from chiltepin.errors import PluginError

    def register(plugin: object, name: str | None = None, *, distribution: str = "test-plugin",
                 version: str = "0") -> Any:
        before = len(chiltepin_plugin_manager.failures)
        info = chiltepin_plugin_manager.register(plugin, name, distribution=distribution, version=version)
        if info is None:
            raise PluginError("; ".join(f.error for f in chiltepin_plugin_manager.failures[before:]))
        return info

    return register
