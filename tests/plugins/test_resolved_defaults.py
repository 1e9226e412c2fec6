"""Defaults live only in Setting declarations: a resolved resource has every key its records
declare, so builders read ``resource.get(key)`` and never repeat a default."""

from __future__ import annotations

import pytest
from chiltepin.config import resolve_resource
from chiltepin.config.resolve import CORE_SETTINGS, PROVIDER_SETTINGS
from chiltepin.errors import ConfigError


def declared(resource, manager):
    backend = manager.lookup("executor_backends", resource.backend)
    settings = list(CORE_SETTINGS) + list(backend.settings)
    if resource.provider is not None:
        settings += list(PROVIDER_SETTINGS) + list(manager.lookup("resource_providers", resource.provider).settings)
    if resource.launcher is not None:
        settings += list(manager.lookup("launchers", resource.launcher).settings)
    return settings


def test_every_declared_key_is_filled_with_its_declared_default(installed_plugins):
    manager = installed_plugins
    resolved = []
    for backend in manager.records("executor_backends").values():
        providers = list(manager.records("resource_providers")) if backend.needs_provider else [None]
        for provider in providers:
            block = {"executor": backend.name, **({"provider": provider} if provider else {})}
            try:
                resource = resolve_resource("r", block, manager)
            except ConfigError as exc:
                assert all("required" in problem for problem in exc.problems), exc.problems
                continue
            given = {"executor", "provider", "launcher"} & set(block)
            for setting in declared(resource, manager):
                if setting.name in given:
                    continue
                assert setting.name in resource.options, (backend.name, provider, setting.name)
                value, default = resource.get(setting.name), setting.default
                if isinstance(default, tuple):  # list defaults are declared as tuples (environment becomes a list)
                    value = tuple(value)
                assert value == default, (backend.name, provider, setting.name)
            resolved.append((backend.name, provider))
    assert {("htex", "localhost"), ("threads", None)} <= set(resolved)
    assert len(resolved) >= 3, resolved


def test_get_takes_no_default(installed_plugins):
    resource = resolve_resource("r", {}, installed_plugins)
    assert resource.get("max_blocks") == 1 and resource.get("no_such_key") is None
    with pytest.raises(TypeError):
        resource.get("max_blocks", 5)
