"""The one resolution path: resource block -> site preset -> executor backend -> provider -> launcher.

Every key of a block must be claimed by core or by the selected records' settings; all problems
of all resources are collected and raised together as one :class:`ConfigError`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from ..errors import ChiltepinError, ConfigError, PluginError, did_you_mean
from ..failures import FAILURE_SETTINGS
from ..plugins.manager import PluginManager
from ..plugins.records import RECORD_KINDS, ExecutorBackend, ResolvedResource, ResourceProvider, Site
from ..settings import Bool, Setting, Str, check_values
from .document import ConfigDocument

EXECUTOR = Setting("executor", Str(), None, "Executor backend (htex, mpi, globus-compute, ...); by default "
                   "chosen from the other keys: endpoint -> globus-compute, mpi: true -> mpi, else htex.")
MPI = Setting("mpi", Bool(), False, "Run MPI tasks on this resource (needs chiltepin-mpi).")
EXTENDS = Setting("extends", Str(), None, "Start from a site preset, 'site:preset' (or 'preset' on the "
                  "detected site); keys given here override the preset's.")
PROVIDER = Setting("provider", Str(), "localhost", "Resource provider: where blocks run (localhost, slurm, "
                   "pbspro, ...).")
LAUNCHER = Setting("launcher", Str(), None, "Block launcher (single-node, simple, srun, ...); default: the "
                   "executor backend's or the provider's.")

CORE_SETTINGS: tuple[Setting, ...] = (EXECUTOR, MPI, EXTENDS, *FAILURE_SETTINGS)
PROVIDER_SETTINGS: tuple[Setting, ...] = (PROVIDER, LAUNCHER)

#: Keys that select a backend, and the backend they select, for hints when it is not installed.
SELECTOR_KEYS = {"endpoint": "globus-compute", "mpi": "mpi"}


def resolve_all(document: ConfigDocument, manager: PluginManager,
                include: Sequence[str] | None = None) -> dict[str, ResolvedResource]:
    """Resolve the resources to load (``local`` plus ``include``, or all), collecting every problem."""
    names = list(document.resources)
    if include is not None:
        if isinstance(include, str):
            include = [include]
        unknown = [n for n in include if n not in document.resources]
        if unknown:
            raise ConfigError([f"include: resource '{n}' is not in the configuration{did_you_mean(n, names)}; "
                               f"configured: {', '.join(names)}" for n in unknown])
        names = ["local"] + [n for n in include if n != "local"]
    resolved, problems = resolve_each(document, manager, names)
    if problems:
        raise ConfigError(problems)
    return resolved


def resolve_each(document: ConfigDocument, manager: PluginManager,
                 names: Sequence[str]) -> tuple[dict[str, ResolvedResource], list[str]]:
    """Resolve the named resources independently: those that resolve, and every problem of the rest."""
    problems: list[str] = []
    resolved: dict[str, ResolvedResource] = {}
    detect_site = functools.cache(manager.detect_site)  # once per configuration, when a preset needs it
    for name in names:
        try:
            resolved[name] = resolve_resource(name, document.resources[name], manager, detect_site)
        except ConfigError as exc:
            problems.extend(exc.problems)
    return resolved, problems


def resolve_resource(name: str, block: Any, manager: PluginManager,
                     detect_site: Callable[[], str | None] | None = None) -> ResolvedResource:
    """Resolve one resource block; raise ConfigError listing every problem found in it."""
    if block is None:
        raise ConfigError(f"{name}: the resource has no options (its value is empty); give at least "
                          f"'{name}: {{}}' or its provider, e.g. 'provider: localhost'")
    if not isinstance(block, Mapping):
        raise ConfigError(f"{name}: expected a mapping of options, got {type(block).__name__} {block!r}")
    problems: list[str] = []
    merged, site, from_preset = _apply_preset(name, dict(block), manager, detect_site or manager.detect_site)
    try:
        backend = _select_backend(name, merged, manager)
        provider = launcher = None
        if backend.needs_provider:
            provider_name = merged.get("provider", PROVIDER.default)
            if not isinstance(provider_name, str):
                raise ConfigError(f"{name}.provider: expected a string, got {provider_name!r}")
            provider = manager.lookup("resource_providers", provider_name, context=f"{name}.provider")
            launcher_name = merged.get("launcher") or backend.launcher or provider.default_launcher
            if launcher_name is not None:
                if not isinstance(launcher_name, str):
                    raise ConfigError(f"{name}.launcher: expected a string, got {launcher_name!r}")
                launcher = manager.lookup("launchers", launcher_name, context=f"{name}.launcher")
    except PluginError as exc:
        raise ConfigError(str(exc)) from None

    claims: dict[str, Setting] = {}
    claimed_by: dict[str, str] = {}
    sources = [(CORE_SETTINGS, None), (backend.settings, ("executor_backends", backend.name))]
    if provider is not None:
        sources += [(PROVIDER_SETTINGS, None), (provider.settings, ("resource_providers", provider.name)),
                    (launcher.settings if launcher else (), ("launchers", launcher.name if launcher else ""))]
    for settings, record in sources:
        for setting in settings:
            if setting.name not in claims and record is not None:
                claimed_by[setting.name] = manager.label_of(*record)
            claims.setdefault(setting.name, setting)
    owner = f"provider '{provider.name}'" if provider else f"executor '{backend.name}'"

    bad_names = [k for k in merged if not isinstance(k, str)]
    problems.extend(f"{name}: option names must be strings, got {k!r}" for k in bad_names)

    def note(key: str) -> str:
        return f" (set by site preset '{block['extends']}')" if key in from_preset else ""

    options, found = check_values(
        name, {k: v for k, v in merged.items() if k not in bad_names}, claims, owner=owner, note=note,
        unknown=lambda key: f"{name}.{key}: unknown key for {owner}{note(key)}" + _unknown_hint(key, claims, manager),
        fault=lambda key: claimed_by.get(key, "core"))
    problems.extend(found)
    if isinstance(options.get("environment"), tuple):
        options["environment"] = list(options["environment"])
    if not problems:
        problems.extend(_cross_checks(name, options, backend, provider, manager))
    if problems:
        raise ConfigError(problems)
    return ResolvedResource(name=name, backend=backend.name, provider=provider.name if provider else None,
                            launcher=launcher.name if launcher else None, options=MappingProxyType(options),
                            site=site, runs_locally=provider.runs_locally if provider else False)


def _apply_preset(name: str, block: dict[str, Any], manager: PluginManager,
                  detect_site: Callable[[], str | None]) -> tuple[dict[str, Any], str | None, set[str]]:
    extends = block.get("extends")
    if extends is None:
        return block, None, set()
    if not isinstance(extends, str) or not extends:
        raise ConfigError(f"{name}.extends: expected 'site:preset', got {extends!r}")
    site_name, _, preset_name = extends.rpartition(":")
    if not site_name:
        detected = detect_site()
        if detected is None:
            raise ConfigError(f"{name}.extends: '{extends}' names no site and no installed site plugin "
                              f"recognises this machine; write 'site:{extends}'")
        site_name = detected
    try:
        site: Site = manager.lookup("sites", site_name, context=f"{name}.extends")
    except PluginError as exc:
        raise ConfigError(str(exc)) from None
    if preset_name not in site.presets:
        raise ConfigError(f"{name}.extends: site '{site_name}' has no preset '{preset_name}'"
                          f"{did_you_mean(preset_name, site.presets)}; presets: {', '.join(sorted(site.presets))}")
    preset = {**site.defaults, **site.presets[preset_name]}
    user = {k: v for k, v in block.items() if k != "extends"}
    merged = {**preset, **user}
    if site.environment:
        own = merged.get("environment", [])
        if isinstance(own, list):
            merged["environment"] = list(site.environment) + own
    return merged, site.name, set(preset) - set(user)


def _select_backend(name: str, block: Mapping[str, Any], manager: PluginManager) -> ExecutorBackend:
    for setting in CORE_SETTINGS:
        try:
            if setting.name in block:
                setting.validate(block[setting.name])
        except ValueError as exc:
            raise ConfigError(f"{name}.{setting.name}: {exc}") from None
    explicit = block.get("executor")
    if explicit is not None:
        return manager.lookup("executor_backends", explicit, context=f"{name}.executor")
    backends = manager.records("executor_backends")
    selectors = sorted((b for b in backends.values() if b.selected_by),
                       key=lambda b: (b.needs_provider, b.name))
    for backend in selectors:
        if block.get(backend.selected_by) not in (None, False, ""):
            return backend
    claimed = {b.selected_by for b in selectors}
    for key, backend_name in SELECTOR_KEYS.items():
        if key not in claimed and block.get(key) not in (None, False, ""):
            try:
                return manager.lookup("executor_backends", backend_name)
            except PluginError as exc:
                raise ConfigError(f"{name}.{key}: this key selects the {exc}") from None
    return manager.lookup("executor_backends", "htex", context=name)


def _unknown_hint(key: str, claims: Mapping[str, Setting], manager: PluginManager) -> str:
    hint = did_you_mean(key, claims)
    if hint:
        return hint
    owners = []
    for kind in RECORD_KINDS:
        if kind.claims_resource_keys:
            for record in manager.records(kind.name).values():
                if any(s.name == key for s in record.settings):
                    owners.append(f"{kind.keys} '{record.name}'")
    return f" (it is a setting of {', '.join(owners)})" if owners else ""


def _cross_checks(name: str, options: Mapping[str, Any], backend: ExecutorBackend,
                  provider: ResourceProvider | None, manager: PluginManager) -> list[str]:
    problems = []
    min_b, max_b, init_b = (options.get(k) for k in ("min_blocks", "max_blocks", "init_blocks"))
    if isinstance(max_b, int):
        if isinstance(min_b, int) and min_b > max_b:
            problems.append(f"{name}.min_blocks: {min_b} is more than max_blocks ({max_b})")
        if isinstance(init_b, int) and init_b > max_b:
            problems.append(f"{name}.init_blocks: {init_b} is more than max_blocks ({max_b})")
    for kind, record in (("executor_backends", backend), ("resource_providers", provider)):
        if record is not None and record.check is not None:
            problems.extend(_record_check(name, options, record, manager.label_of(kind, record.name)))
    return problems


def _record_check(name: str, options: Mapping[str, Any], record: Any, label: str) -> list[str]:
    """A record's ``check(options)``, guarded: a fault is one problem naming the plugin."""
    try:
        texts = list(record.check(options) or ())
    except Exception as exc:
        return [f"{name}: {label}: check() raised {type(exc).__name__}: {exc}; report this to the plugin's authors"]
    bad = [t for t in texts if not isinstance(t, str)]
    if bad:
        return [f"{name}: {label}: check() returned {type(bad[0]).__name__} {bad[0]!r}; it must return "
                f"'key: problem' strings"]
    return [f"{name}.{text}" for text in texts]


def build_executor(resource: ResolvedResource, manager: PluginManager) -> Any:
    """Build the Parsl executor of a resolved resource; constructor errors become ConfigError."""
    backend = manager.lookup("executor_backends", resource.backend)
    stage = ("executor_backends", backend.name)
    try:
        launcher = provider = None
        if resource.launcher is not None:
            stage = ("launchers", resource.launcher)
            launcher = manager.lookup("launchers", resource.launcher).build(resource)
        if resource.provider is not None:
            stage = ("resource_providers", resource.provider)
            provider = manager.lookup("resource_providers", resource.provider).build(resource, launcher)
        stage = ("executor_backends", backend.name)
        return backend.build(resource, provider)
    except ChiltepinError:
        raise
    except Exception as exc:
        raise ConfigError(f"{resource.name}: {manager.label_of(*stage)} rejected the settings: "
                          f"{type(exc).__name__}: {exc}") from exc

