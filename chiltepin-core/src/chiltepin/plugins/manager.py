"""The plugin manager: a tolerant, once-per-process loader over the ``chiltepin`` entry points.

Switches (environment variables, read when the manager is created):

``CHILTEPIN_DISABLE_PLUGINS=name,...``  skip these entry points (core's built-ins stay).
``CHILTEPIN_PLUGIN_AUTOLOAD=0``         load core's built-ins only.
``CHILTEPIN_STRICT_PLUGINS=1``          re-raise every plugin failure instead of warning.
"""

from __future__ import annotations

import inspect
import logging
import os
import re
import socket
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from ..errors import ChiltepinError, PluginConflictError, PluginError, did_you_mean
from ..settings import default_problems
from . import hookspecs
from .records import KINDS, ResolvedResource

logger = logging.getLogger(__name__)

GROUP = "chiltepin"
CORE_DISTRIBUTION = "chiltepin-core"
NAME_PATTERN = re.compile(r"[a-z0-9-]+")

#: Which first-party distribution provides a name, for "install X" hints.
KNOWN_PROVIDERS: dict[str, dict[str, str]] = {
    "resource_providers": {"slurm": "chiltepin-slurm", "pbspro": "chiltepin-slurm"},
    "launchers": {"srun": "chiltepin-slurm", "mpiexec": "chiltepin-slurm"},
    "mpi_launchers": {"srun": "chiltepin-mpi", "mpiexec": "chiltepin-mpi",
                      "mpiexec-openmpi": "chiltepin-mpi", "mpiexec-mpich": "chiltepin-mpi",
                      "mpiexec-intel": "chiltepin-mpi", "mpiexec-mvapich": "chiltepin-mpi", "aprun": "chiltepin-mpi"},
    "executor_backends": {"mpi": "chiltepin-mpi", "globus-compute": "chiltepin-globus"},
    "transfer_providers": {"globus": "chiltepin-globus"},
}


def _label(name: str, distribution: str | None, version: str | None) -> str:
    return f"'{name}' ({f'{distribution} {version}' if distribution else 'no distribution'})"


class PluginWarning(UserWarning):
    """A plugin was skipped because it is broken; the rest keep working."""


@dataclass
class PluginInfo:
    """A registered plugin: where it came from and which hooks it implements."""

    name: str
    distribution: str | None
    version: str | None
    module: str
    builtin: bool = False
    hooks: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return _label(self.name, self.distribution, self.version)


@dataclass
class PluginFailure:
    """A plugin that was not loaded, or whose hook failed, and why."""

    name: str
    distribution: str | None
    version: str | None
    error: str
    #: True when the plugin is registered and only some of its records were left out.
    partial: bool = False

    @property
    def label(self) -> str:
        return _label(self.name, self.distribution, self.version)


@dataclass
class _Registry:
    records: dict[str, Any] = field(default_factory=dict)
    owners: dict[str, PluginInfo] = field(default_factory=dict)


class _Pluggy(pluggy.PluginManager):
    """Treats any routine named ``chiltepin_*`` as a hook implementation, so a misspelled hook
    name is caught even when the author forgot ``@hookimpl``."""

    def parse_hookimpl_opts(self, plugin: object, name: str):
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith("chiltepin_") and inspect.isroutine(getattr(plugin, name, None)):
            opts = {}  # type: ignore[assignment]
        return opts


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


class PluginManager:
    """Loads plugins once, attributes every record to its distribution, and answers lookups."""

    def __init__(self, *, autoload: bool | None = None, disabled: Iterable[str] | None = None,
                 strict: bool | None = None):
        self.autoload = _env_flag("CHILTEPIN_PLUGIN_AUTOLOAD", True) if autoload is None else autoload
        if disabled is None:
            disabled = [n.strip() for n in os.environ.get("CHILTEPIN_DISABLE_PLUGINS", "").split(",")]
        self.disabled = {n for n in disabled if n}
        self.strict = _env_flag("CHILTEPIN_STRICT_PLUGINS", False) if strict is None else strict
        self.pluggy = _Pluggy(GROUP)
        self.pluggy.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.failures: list[PluginFailure] = []
        self.skipped: list[str] = []
        self._registries: dict[str, _Registry] = {}
        self._lock = threading.RLock()

    # -- loading -------------------------------------------------------------------------

    def load_entrypoints(self, group: str = GROUP) -> None:
        """Load every entry point of ``group``, each inside its own try/except."""
        seen: dict[str, str | None] = {}
        found_core = False
        for ep in sorted(metadata.entry_points(group=group), key=lambda e: e.name):
            dist = ep.dist.metadata["Name"] if ep.dist is not None else None
            version = ep.dist.version if ep.dist is not None else None
            builtin = dist is not None and _canonical(dist) == CORE_DISTRIBUTION
            if not builtin and (not self.autoload or ep.name in self.disabled):
                self.skipped.append(ep.name)
                continue
            if ep.name in seen:
                self._fail(ep.name, dist, version,
                           f"entry point name '{ep.name}' is also used by {seen[ep.name] or 'another plugin'}; "
                           f"uninstall one of them")
                continue
            seen[ep.name] = dist
            try:
                module = ep.load()
            except Exception as exc:  # a broken plugin must not break the rest
                self._fail(ep.name, dist, version, f"{type(exc).__name__}: {exc}", exc)
                continue
            if self.register(module, ep.name, distribution=dist, version=version, builtin=builtin):
                found_core = found_core or builtin
        if not found_core and "core" not in self.plugins:
            # Running from a source tree without installed metadata: register the built-ins directly.
            from . import builtin as core_builtin

            self.register(core_builtin, "core", distribution=CORE_DISTRIBUTION, version=None, builtin=True)

    def register(self, plugin: object, name: str | None = None, *, distribution: str | None = None,
                 version: str | None = None, builtin: bool = False) -> PluginInfo | None:
        """Register a module or object of hook implementations; return its info, or None if refused."""
        with self._lock:
            name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
            try:
                self.pluggy.register(plugin, name=name)
            except Exception as exc:
                self._fail(name, distribution, version, f"{type(exc).__name__}: {exc}", exc)
                return None
            callers = self.pluggy.get_hookcallers(plugin) or []
            unknown = [hc.name for hc in callers if not hc.has_spec()]
            if unknown:
                self.pluggy.unregister(plugin)
                known = [n for n in dir(hookspecs) if n.startswith("chiltepin_")]
                details = "; ".join(f"'{u}' is not a chiltepin hook{did_you_mean(u, known)}" for u in unknown)
                self._fail(name, distribution, version, details)
                return None
            info = PluginInfo(name, distribution, version, getattr(plugin, "__name__", type(plugin).__name__),
                              builtin, tuple(sorted(hc.name for hc in callers)))
            self.plugins[name] = info
            self._registries.clear()
            return info

    def unregister(self, name: str) -> None:
        with self._lock:
            self.pluggy.unregister(name=name)
            self.plugins.pop(name, None)
            self._registries.clear()

    def _fail(self, name: str, distribution: str | None, version: str | None, error: str,
              exc: BaseException | None = None, *, left_out: str | None = None) -> None:
        """Record and warn about a plugin fault. ``left_out`` says what of a loaded plugin was
        dropped (its other hooks keep working); without it the whole plugin was not loaded."""
        failure = PluginFailure(name, distribution, version, error, partial=left_out is not None)
        if self.strict:
            raise PluginError(f"plugin {failure.label} failed: {error}") from exc
        self.failures.append(failure)
        logger.debug("plugin %s failed", name, exc_info=exc)
        outcome = "was not loaded" if left_out is None else f"is loaded without {left_out}"
        warnings.warn(f"chiltepin: plugin {failure.label} {outcome}: {error}. Fix or update it, or set "
                      f"CHILTEPIN_DISABLE_PLUGINS={name} to silence this.", PluginWarning, stacklevel=3)

    # -- records -------------------------------------------------------------------------

    def records(self, kind: str) -> dict[str, Any]:
        """All records of one kind (``resource_providers``, ``launchers``, ``mpi_launchers``, ...),
        keyed and sorted by name. Duplicate names raise :class:`PluginConflictError`."""
        return self._registry(kind).records

    def owner(self, kind: str, name: str) -> PluginInfo:
        """The plugin that provides record ``name`` of ``kind``."""
        return self._registry(kind).owners[name]

    def _registry(self, kind: str) -> _Registry:
        with self._lock:
            if kind in self._registries:
                return self._registries[kind]
            if kind not in KINDS:
                raise KeyError(f"unknown record kind {kind!r}")
            found: dict[str, list[tuple[Any, PluginInfo]]] = {}
            for impl in getattr(self.pluggy.hook, KINDS[kind].hook).get_hookimpls():
                info = self.plugins.get(impl.plugin_name)
                if info is None:
                    continue
                for record in self._call_collect(impl, info, kind):
                    found.setdefault(record.name, []).append((record, info))
            conflicts = {n: owners for n, owners in found.items() if len(owners) > 1}
            if conflicts:
                lines = [f"Conflicting {KINDS[kind].plural} found:"]
                for name, owners in sorted(conflicts.items()):
                    lines.append(f"  - '{name}' provided by: " + ", ".join(i.label for _, i in owners))
                names = sorted({i.name for owners in conflicts.values() for _, i in owners if not i.builtin})
                lines.append(f"Disable one with CHILTEPIN_DISABLE_PLUGINS=<name> (one of: {', '.join(names)}).")
                raise PluginConflictError("\n".join(lines))
            registry = _Registry()
            for name in sorted(found):
                registry.records[name], registry.owners[name] = found[name][0]
            self._registries[kind] = registry
            return registry

    def _call_collect(self, impl: Any, info: PluginInfo, kind: str) -> list[Any]:
        hook, label, record_type = KINDS[kind].hook, KINDS[kind].label, KINDS[kind].type

        def fail(error: str, exc: BaseException | None = None, what: str = f"its {label}s") -> None:
            self._fail(info.name, info.distribution, info.version, error, exc, left_out=what)

        try:
            result = impl.function()
            records = list(result or ())
        except Exception as exc:
            fail(f"{hook}() raised {type(exc).__name__}: {exc}", exc)
            return []
        good = []
        for record in records:
            if not isinstance(record, record_type):
                fail(f"{hook}() returned {type(record).__name__} {record!r}; "
                     f"expected {record_type.__name__} records", what=f"that {label}")
            elif not isinstance(record.name, str) or not NAME_PATTERN.fullmatch(record.name):
                fail(f"invalid {label} name {record.name!r} from {hook}(); "
                     f"names are lower-case letters, digits and '-'", what=f"that {label}")
            elif problems := default_problems(getattr(record, "settings", ())):
                fail(f"{label} '{record.name}' declares invalid defaults: {'; '.join(problems)}",
                     what=f"{label} '{record.name}'")
            else:
                good.append(record)
        return good

    def lookup(self, kind: str, name: str, *, context: str = "") -> Any:
        """Return record ``name`` of ``kind``, or raise PluginError saying what to install."""
        records = self.records(kind)
        if name in records:
            return records[name]
        label = KINDS[kind].label
        prefix = f"{context}: " if context else ""
        message = f"{prefix}{label} '{name}' is not available{did_you_mean(name, records)}."
        message += f" Available: {', '.join(records) or 'none'}."
        package = KNOWN_PROVIDERS.get(kind, {}).get(name)
        if package:
            broken = [f for f in self.failures if f.distribution and _canonical(f.distribution) == package]
            if broken:
                message += f" It ships with {package}, which is installed but failed to load: {broken[0].error}."
            elif package.removeprefix("chiltepin-") in self.disabled or not self.autoload:
                message += f" It ships with {package}, which is disabled (CHILTEPIN_DISABLE_PLUGINS/AUTOLOAD)."
            else:
                message += f" '{name}' ships with {package} (pip install {package})."
        elif self.failures:
            message += " Plugins that failed to load (one may provide it): " + "; ".join(
                f"{f.label}: {f.error}" for f in self.failures) + "."
        raise PluginError(message)

    # -- decide hooks ----------------------------------------------------------------------

    def detect_site(self, hostname: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
        """Ask the site plugins which site this machine is (None when no plugin recognises it).

        A detector that raises or answers something other than a site name or None is reported
        as a plugin fault and skipped; the next detector is asked."""
        def accept(value: Any) -> str | None:
            if not isinstance(value, str):
                return f"returned {type(value).__name__} {value!r}; expected a site name (str) or None"
            return None

        return self._decide("chiltepin_detect_site", accept, skip_faulty=True,
                            hostname=hostname if hostname is not None else socket.gethostname(),
                            environ=dict(os.environ if environ is None else environ))

    def translate_geometry(self, geometry: Mapping[str, Any], resource: ResolvedResource | None, *,
                           after: object | None = None) -> dict[str, Any]:
        """Turn a merged geometry into a Parsl resource specification (unchanged if no plugin does).

        ``after`` chains translators: a plugin's implementation passes its own module (or
        object) to ask only the implementations that pluggy would call after it, e.g. to hand on
        the part of a geometry it does not handle. ValueError and TypeError (a bad geometry)
        pass through; any other exception or a result that is not a mapping is a plugin fault."""
        def accept(value: Any) -> str | None:
            if not isinstance(value, Mapping):
                return f"returned {type(value).__name__} {value!r}; expected a mapping (a Parsl resource " \
                       f"specification) or None"
            return None

        translated = self._decide("chiltepin_translate_geometry", accept, after=after, passes=(ValueError, TypeError),
                                  geometry=geometry, resource=resource)
        return dict(geometry) if translated is None else dict(translated)

    def _decide(self, hook: str, accept: Callable[[Any], str | None], *, after: object | None = None,
                skip_faulty: bool = False, passes: tuple[type[BaseException], ...] = (),
                **kwargs: Any) -> Any:
        """Call a firstresult hook's implementations in pluggy's order, each guarded."""
        impls = list(reversed(getattr(self.pluggy.hook, hook).get_hookimpls()))
        if after is not None:
            position = next((i for i, impl in enumerate(impls) if impl.plugin is after), None)
            if position is None:
                raise PluginError(f"{hook}: after={after!r} is not a registered plugin implementing it")
            impls = impls[position + 1:]
        for impl in impls:
            info = self.plugins.get(impl.plugin_name)
            if info is None:
                continue
            try:
                result = impl.function(*(kwargs[arg] for arg in impl.argnames))
                problem = None if result is None else accept(result)
            except (ChiltepinError, *passes):  # type: ignore[misc]  # mypy cannot type a starred tuple here
                raise
            except Exception as exc:
                result, problem = None, f"raised {type(exc).__name__}: {exc}"
            if problem is None:
                if result is not None:
                    return result
                continue
            error = f"{hook}() {problem}"
            if not skip_faulty:
                raise PluginError(f"plugin {info.label}: {error}. Fix or update it, or set "
                                  f"CHILTEPIN_DISABLE_PLUGINS={info.name}.")
            self._fail(info.name, info.distribution, info.version, error, left_out=f"its {hook} answer")
        return None

    def label_of(self, kind: str, name: str) -> str:
        """``kind 'name' from plugin 'p' (dist version)``, for messages about a record."""
        return f"{KINDS[kind].label} '{name}' from plugin {self.owner(kind, name).label}"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


_manager: PluginManager | None = None
_manager_lock = threading.Lock()


def get_plugin_manager() -> PluginManager:
    """The process-wide plugin manager, created and loaded on first use."""
    global _manager
    if _manager is None:
        with _manager_lock:
            if _manager is None:
                manager = PluginManager()
                manager.load_entrypoints()
                _manager = manager
    return _manager


def set_plugin_manager(manager: PluginManager | None) -> PluginManager | None:
    """Replace the process-wide manager (None: rebuild on next use); returns the previous one."""
    global _manager
    with _manager_lock:
        previous, _manager = _manager, manager
    return previous
