"""The records that collect hooks return.

Each record is a frozen dataclass with a ``name`` (lower-case ``[a-z0-9-]+``, unique per kind) and,
where it is configured from YAML, a ``settings`` tuple of :class:`chiltepin.settings.Setting`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from ..settings import Setting

if TYPE_CHECKING:
    from parsl.executors.base import ParslExecutor
    from parsl.launchers.base import Launcher
    from parsl.providers.base import ExecutionProvider

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class ResolvedResource:
    """One resource after site presets, validation and defaults: what builders receive.

    ``options`` holds every claimed key with its checked value or default. ``backend``,
    ``provider`` and ``launcher`` are record names (provider and launcher are None for backends
    that need no local provider, such as globus-compute).
    """

    name: str
    backend: str
    provider: str | None
    launcher: str | None
    options: Mapping[str, Any]
    site: str | None = None

    @property
    def mpi(self) -> bool:
        return bool(self.options.get("mpi"))

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass(frozen=True)
class ResourceProvider:
    """Turns a resource's settings into a Parsl ``ExecutionProvider`` (where blocks run).

    ``build(resource, launcher)`` receives the resolved resource and the built launcher (None
    when the resource's launcher builds none).
    ``default_launcher`` names the launcher used when the resource names none. ``check(options)``
    returns cross-key problems as ``"key: what is wrong"`` texts (core adds the resource name).
    ``drain_period(resource)``, for providers whose blocks end at a walltime, gives the seconds
    after a block's workers start when they stop taking new tasks (Parsl's ``drain_period``),
    or None for never.
    """

    #: The ``provider:`` value that selects it (lower-case ``[a-z0-9-]+``).
    name: str
    #: ``build(resource, launcher)``: the Parsl ``ExecutionProvider`` for a resolved resource and
    #: its built launcher (None when the resource has none); exceptions become configuration errors.
    build: Callable[[ResolvedResource, Launcher | None], ExecutionProvider]
    #: The keys it claims; their defaults fill every resolved resource.
    settings: Sequence[Setting] = ()
    #: The launcher used when the resource names none (None: the provider needs none).
    default_launcher: str | None = "single-node"
    #: One line for ``chiltepin plugins``, ``config keys`` and the reference.
    description: str = ""
    #: ``check(options)``: cross-key problems as ``"key: what is wrong"`` texts.
    check: Callable[[Mapping[str, Any]], Iterable[str]] | None = None
    drain_period: Callable[[ResolvedResource], int | None] | None = None


@dataclass(frozen=True)
class LauncherSpec:
    """A launcher, in one of two roles; names are unique within a role.

    ``role="block"``: ``build(resource)`` returns the Parsl ``Launcher`` that starts workers in
    a block; resources select it with ``launcher:``. ``role="mpi"``: an MPI launcher selected
    with ``mpi_launcher:``; ``prefix(spec, nodes)`` returns the command prefix a task sees as
    ``$PARSL_MPI_PREFIX`` for a resource specification and node list.
    """

    #: The ``launcher:`` (block role) or ``mpi_launcher:`` (mpi role) value that selects it.
    name: str
    #: Block role: ``build(resource)`` returns the Parsl ``Launcher`` wrapping the worker command.
    build: Callable[[ResolvedResource], Launcher] | None = None
    #: The keys it claims.
    settings: Sequence[Setting] = ()
    #: One line for listings and the reference.
    description: str = ""
    #: ``"block"`` or ``"mpi"``.
    role: str = "block"
    #: MPI role: ``prefix(spec, nodes)``, the command prefix a task sees as ``$PARSL_MPI_PREFIX``.
    prefix: Callable[[Mapping[str, Any], Sequence[str]], str] | None = None


@dataclass(frozen=True)
class ExecutorBackend:
    """Turns a resource and its provider into a Parsl executor labelled with the resource name.

    ``selected_by`` names the resource key whose presence picks this backend when the resource
    has no explicit ``executor:`` (for example ``endpoint`` for globus-compute, ``mpi`` for mpi).
    ``launcher`` forces a launcher unless the resource names one. Backends with
    ``needs_provider=False`` get ``provider=None`` and claim every key themselves.
    """

    #: The ``executor:`` value that selects it.
    name: str
    #: ``build(resource, provider)``: the Parsl executor, labelled ``resource.name``.
    build: Callable[[ResolvedResource, ExecutionProvider | None], ParslExecutor]
    #: The keys it claims (besides the provider's and launcher's).
    settings: Sequence[Setting] = ()
    #: A resource key whose truthy value selects this backend when ``executor:`` is not given.
    selected_by: str | None = None
    #: A launcher forced unless the resource names one.
    launcher: str | None = None
    #: False: no provider or launcher is resolved and ``build`` gets ``provider=None``.
    needs_provider: bool = True
    #: One line for listings and the reference.
    description: str = ""
    #: ``check(options)``: cross-key problems as ``"key: what is wrong"`` texts.
    check: Callable[[Mapping[str, Any]], Iterable[str]] | None = None


class Transferer(Protocol):
    """What a transfer provider's ``build`` returns."""

    def transfer(self, src: Mapping[str, Any], dst: Mapping[str, Any], src_path: str, dst_path: str, *,
                 timeout: float, polling_interval: float, recursive: bool, **options: Any) -> bool: ...

    def delete(self, target: Mapping[str, Any], path: str, *, timeout: float, polling_interval: float,
               recursive: bool, **options: Any) -> bool: ...


@dataclass(frozen=True)
class TransferProvider:
    """Moves and deletes data between named transfer endpoints.

    ``endpoint_settings`` declares the keys of a ``transfer_endpoints:`` entry served by this
    provider. ``resolves_names`` says the provider can serve endpoints that the configuration
    does not declare (Globus looks them up by display name or UUID). ``build()`` returns an
    object with ``transfer`` and ``delete`` methods.
    """

    #: The ``provider:`` value of a ``transfer_endpoints:`` entry.
    name: str
    #: ``build()``: an object with ``transfer`` and ``delete`` (see :class:`Transferer`).
    build: Callable[[], Transferer]
    #: The keys of a ``transfer_endpoints:`` entry it serves.
    endpoint_settings: Sequence[Setting] = ()
    #: True: it can serve endpoints the configuration does not declare.
    resolves_names: bool = False
    #: One line for listings and the reference.
    description: str = ""


@dataclass(frozen=True)
class Site:
    """A named HPC centre: resource presets, environment lines and defaults.

    A resource uses a preset with ``extends: site:preset``. ``environment`` lines are put before
    the resource's own; ``defaults`` apply under every preset of the site.
    """

    #: The ``site`` of ``extends: site:preset``, and the answer of ``chiltepin_detect_site``.
    name: str
    #: Preset name -> resource keys; a resource's own keys override them.
    presets: Mapping[str, Mapping[str, Any]]
    #: One line for listings and ``chiltepin config keys SITE``.
    description: str = ""
    #: Shell lines put before every preset's own ``environment``.
    environment: Sequence[str] = ()
    #: Keys applied under every preset (a preset's keys override them).
    defaults: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True)
class Subcommand:
    """A ``chiltepin NAME`` command: ``configure_parser(parser)`` adds arguments,
    ``run(args)`` does the work and returns the exit code."""

    #: ``chiltepin NAME``.
    name: str
    #: One line for ``chiltepin --help``.
    help: str
    #: ``configure_parser(parser)``: adds the command's arguments.
    configure_parser: Callable[[argparse.ArgumentParser], None]
    #: ``run(args)``: does the work, returns the exit code.
    run: Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class ConfigBlock:
    """A top-level block of the configuration file that a plugin owns (``agents:``, ...).

    Core reads the block (a mapping), checks its keys against ``settings`` (an unknown key or a
    bad value names ``block.key``) and keeps the checked values, defaults filled, in
    ``ConfigDocument.blocks[name]``, where the plugin reads them. The name is then no longer
    available as a resource name.
    """

    name: str
    settings: Sequence[Setting] = ()
    description: str = ""


RECORD_KINDS: dict[str, type] = {
    "resource_providers": ResourceProvider,
    "launchers": LauncherSpec,
    "executor_backends": ExecutorBackend,
    "transfer_providers": TransferProvider,
    "sites": Site,
    "subcommands": Subcommand,
    "config_blocks": ConfigBlock,
}
