"""pytest fixtures for testing chiltepin plugins.

pytest loads this module in every run of an environment where chiltepin-core is installed (the
``pytest11`` entry point), so it imports nothing heavy and changes nothing until a fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture
def chiltepin_plugin_manager() -> Iterator[Any]:
    """A fresh plugin manager holding only core's built-ins, installed as the process-wide
    manager for the test and replaced by the previous one afterwards."""
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
    PluginError with the reason when the manager refuses it."""
    from chiltepin.errors import PluginError

    def register(plugin: object, name: str | None = None, *, distribution: str = "test-plugin",
                 version: str = "0") -> Any:
        before = len(chiltepin_plugin_manager.failures)
        info = chiltepin_plugin_manager.register(plugin, name, distribution=distribution, version=version)
        if info is None:
            raise PluginError("; ".join(f.error for f in chiltepin_plugin_manager.failures[before:]))
        return info

    return register
