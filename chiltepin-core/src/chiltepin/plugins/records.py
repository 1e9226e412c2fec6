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
    """One resource after site presets, validation and defaults: what builders receive."""

    #: The resource's name (the executor's label).
    name: str
    #: The executor backend's name.
    backend: str
    #: The resource provider's name; None for backends that need none (globus-compute).
    provider: str | None
    #: The block launcher's name; None when the resource has none.
    launcher: str | None
    #: Every key the resource's records declare, with its checked value or its default.
    options: Mapping[str, Any]
    #: The site whose preset the resource extends, if any.
    site: str | None = None
    #: Its provider's :attr:`ResourceProvider.runs_locally`: blocks run on the submitting machine.
    runs_locally: bool = False

    @property
    def mpi(self) -> bool:
        return bool(self.options.get("mpi"))

    def get(self, key: str) -> Any:
        """The value of ``key``. Every key the resource's records declare is present (given, or
        its Setting's default), so callers pass no default of their own; None for a key that no
        record of this resource declares (another provider's, say)."""
        return self.options.get(key)


@dataclass(frozen=True)
class ResourceProvider:
    """Turns a resource's settings into a Parsl ``ExecutionProvider`` (where blocks run).

    Resources select it with ``provider:``; every field is described where it is declared.
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
    #: ``check(options)``: cross-key problems as ``"key: what is wrong"`` texts (core adds the
    #: resource name).
    check: Callable[[Mapping[str, Any]], Iterable[str]] | None = None
    #: ``drain_period(resource)``: seconds after a block's workers start when they stop taking
    #: new tasks (Parsl's ``drain_period``, for blocks that end at a walltime), or None for never.
    drain_period: Callable[[ResolvedResource], int | None] | None = None
    #: True: its blocks are processes on the submitting machine (like core's ``localhost``).
    #: Core then starts their worker pools with the workflow's own interpreter and fast start-up
    #: (no activated environment needed), submits no job script, and the ``mpi`` backend counts a
    #: block as this one machine (one node, listed in a node file Parsl's MPI mode reads).
    runs_locally: bool = False


@dataclass(frozen=True)
class LauncherSpec:
    """A block launcher: wraps the worker command that starts a block's workers (``srun``,
    ``mpiexec``, ...). Resources select one with ``launcher:``."""

    #: The ``launcher:`` value that selects it.
    name: str
    #: ``build(resource)``: the Parsl ``Launcher`` wrapping the worker command of a block.
    build: Callable[[ResolvedResource], Launcher]
    #: The keys it claims; their defaults fill every resolved resource using it.
    settings: Sequence[Setting] = ()
    #: One line for listings and the reference.
    description: str = ""


@dataclass(frozen=True)
class MPILauncher:
    """An MPI launcher: how an MPI task starts its ranks on the nodes it was given.

    Resources with ``mpi: true`` select one with ``mpi_launcher:`` (a key of chiltepin-mpi's
    ``mpi`` backend); the task sees the prefix as ``$PARSL_MPI_PREFIX`` and appends its program.
    """

    #: The ``mpi_launcher:`` value that selects it.
    name: str
    #: ``prefix(spec, nodes)``: the command prefix for a completed geometry (``num_nodes``,
    #: ``num_ranks``, ``ranks_per_node``, optional ``threads_per_rank`` and ``launcher_options``)
    #: and the task's node names; called in the worker.
    prefix: Callable[[Mapping[str, Any], Sequence[str]], str]
    #: One line for listings and the reference.
    description: str = ""


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

    ``settings`` declares the keys of a ``transfer_endpoints:`` entry served by this
    provider (not of a resource). ``resolves_names`` says the provider can serve endpoints that the configuration
    does not declare (Globus looks them up by display name or UUID). ``build()`` returns an
    object with ``transfer`` and ``delete`` methods.
    """

    #: The ``provider:`` value of a ``transfer_endpoints:`` entry.
    name: str
    #: ``build()``: an object with ``transfer`` and ``delete`` (see :class:`Transferer`).
    build: Callable[[], Transferer]
    #: The keys of a ``transfer_endpoints:`` entry it serves.
    settings: Sequence[Setting] = ()
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

    #: The top-level key it owns.
    name: str
    #: The keys of the block; their defaults fill ``ConfigDocument.blocks[name]``.
    settings: Sequence[Setting] = ()
    #: One line for listings and the reference.
    description: str = ""


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: the collect hook that returns it and how every listing names it."""

    #: The kind (``resource_providers``, ...); its collect hook is ``chiltepin_<name>()``.
    name: str
    #: The record type the hook returns.
    type: type[Any]
    #: The singular label messages use ("resource provider").
    label: str
    #: The word ``chiltepin config keys KIND`` and the reference use for its records' sections
    #: (None: its records declare no configuration keys).
    keys: str | None = None
    #: The resource key whose value names a record of this kind (``provider``, ...).
    resource_key: str | None = None
    #: True: its records' settings are keys of a resource.
    claims_resource_keys: bool = False
    #: The heading of its sections in ``config keys`` and the reference (default: the label).
    heading: str = ""

    @property
    def hook(self) -> str:
        return f"chiltepin_{self.name}"

    @property
    def plural(self) -> str:
        return f"{self.label}s"


#: Every record kind, in display order: the one table the manager, the command line, config
#: resolution, the reference and the schema read.
RECORD_KINDS: tuple[RecordKind, ...] = (
    RecordKind("resource_providers", ResourceProvider, "resource provider", "provider", "provider", True),
    RecordKind("executor_backends", ExecutorBackend, "executor backend", "executor", "executor", True),
    RecordKind("launchers", LauncherSpec, "launcher", "launcher", "launcher", True),
    RecordKind("mpi_launchers", MPILauncher, "MPI launcher", "mpi-launcher", "mpi_launcher"),
    RecordKind("transfer_providers", TransferProvider, "transfer provider", "transfer",
               heading="transfer provider (endpoint settings)"),
    RecordKind("sites", Site, "site"),
    RecordKind("subcommands", Subcommand, "subcommand"),
    RecordKind("config_blocks", ConfigBlock, "configuration block", "block", heading="top-level block"),
)

#: :data:`RECORD_KINDS` by name.
KINDS: Mapping[str, RecordKind] = MappingProxyType({kind.name: kind for kind in RECORD_KINDS})
