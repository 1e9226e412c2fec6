"""The hook specification of chiltepin: every extension point, documented where it is declared.

Collect hooks (``chiltepin_*s``) are called on every plugin; core flattens the returned records,
checks their names, refuses duplicates naming both distributions, and sorts them by name.
Decide hooks are ``firstresult``: the first non-None answer wins. Core's own implementations
are ``trylast`` so that a site plugin overrides them without depending on load order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pluggy

from .records import (
    ConfigBlock,
    ExecutorBackend,
    LauncherSpec,
    MPILauncher,
    ResolvedResource,
    ResourceProvider,
    Site,
    Subcommand,
    TransferProvider,
)

hookspec = pluggy.HookspecMarker("chiltepin")


@hookspec
def chiltepin_resource_providers() -> Iterable[ResourceProvider]:
    """Return the resource providers this plugin offers (collect).

    A provider turns a resource's settings into a Parsl ``ExecutionProvider``: where blocks of
    workers run (this machine, a Slurm or PBS Pro job, ...). Resources select it with
    ``provider: NAME``. Core ships ``localhost``; chiltepin-slurm ships ``slurm`` and ``pbspro``.

    Example::

        @hookimpl
        def chiltepin_resource_providers():
            return [ResourceProvider(name="lsf", build=build_lsf, settings=LSF_SETTINGS,
                                     default_launcher="simple")]
    """


@hookspec
def chiltepin_launchers() -> Iterable[LauncherSpec]:
    """Return the launchers this plugin offers (collect).

    A launcher wraps the worker command inside a block (``srun``, ``mpiexec``, ...). Resources
    select one with ``launcher: NAME``; otherwise the executor backend's or the provider's
    default is used. Core ships ``simple`` and ``single-node``.

    Example::

        @hookimpl
        def chiltepin_launchers():
            return [LauncherSpec(name="jsrun", build=lambda resource: JsrunLauncher())]
    """


@hookspec
def chiltepin_mpi_launchers() -> Iterable[MPILauncher]:
    """Return the MPI launchers this plugin offers (collect).

    An MPI launcher says how an MPI task starts its ranks on the nodes it was given: its
    ``prefix(spec, nodes)`` is the command the task sees as ``$PARSL_MPI_PREFIX``. Resources with
    ``mpi: true`` select one with ``mpi_launcher: NAME``. chiltepin-mpi ships ``srun``,
    ``mpiexec`` (flavour detected on the worker), ``mpiexec-openmpi``, ``mpiexec-mpich``,
    ``mpiexec-intel``, ``mpiexec-mvapich`` and ``aprun``.

    Example::

        @hookimpl
        def chiltepin_mpi_launchers():
            return [MPILauncher(name="jsrun", prefix=lambda spec, nodes: f"jsrun -n {spec['num_ranks']}")]
    """


@hookspec
def chiltepin_executor_backends() -> Iterable[ExecutorBackend]:
    """Return the executor backends this plugin offers (collect).

    A backend builds the Parsl executor of a resource, labelled with the resource's name, from
    the resolved resource and its built provider. Resources select one with ``executor: NAME`` or
    by the key named in the record's ``selected_by`` (``mpi: true`` selects ``mpi``, ``endpoint:``
    selects ``globus-compute``); otherwise ``htex`` (core) is used.

    Example::

        @hookimpl
        def chiltepin_executor_backends():
            return [ExecutorBackend(name="flux", build=build_flux, settings=FLUX_SETTINGS)]
    """


@hookspec
def chiltepin_transfer_providers() -> Iterable[TransferProvider]:
    """Return the data transfer providers this plugin offers (collect).

    A transfer provider copies and deletes data between named endpoints for
    ``chiltepin.data.transfer``/``delete`` and their task forms. Core ships ``local`` (directories
    on a file system the workers share); chiltepin-globus ships ``globus``.

    Example::

        @hookimpl
        def chiltepin_transfer_providers():
            return [TransferProvider(name="rsync", build=RsyncTransferer,
                                     settings=RSYNC_ENDPOINT_SETTINGS)]
    """


@hookspec
def chiltepin_sites() -> Iterable[Site]:
    """Return the HPC sites this plugin describes (collect).

    A site is a set of named resource presets plus environment lines and defaults. A resource
    uses one with ``extends: site:preset`` (or ``extends: preset`` on the detected site); the
    resource's own keys override the preset's.

    Example::

        @hookimpl
        def chiltepin_sites():
            return [Site(name="hercules", presets={"compute": {"provider": "slurm",
                                                               "partition": "hercules"}})]
    """


@hookspec
def chiltepin_subcommands() -> Iterable[Subcommand]:
    """Return ``chiltepin`` command-line subcommands this plugin adds (collect).

    Example::

        @hookimpl
        def chiltepin_subcommands():
            return [Subcommand(name="login", help="Log in to Globus",
                               configure_parser=add_login_args, run=run_login)]
    """


@hookspec
def chiltepin_config_blocks() -> Iterable[ConfigBlock]:
    """Return the top-level configuration blocks this plugin owns (collect).

    A block is a reserved top-level key of the configuration file for settings that belong to
    no resource. Core validates it against the record's settings when the file is read and
    keeps the result in ``workflow.document.blocks[name]``. chiltepin-agents ships ``agents``.

    Example::

        @hookimpl
        def chiltepin_config_blocks():
            return [ConfigBlock(name="agents", settings=(
                Setting("exchange", Choice(("local", "redis")), "local", "Where agents talk."),))]
    """


@hookspec(firstresult=True)
def chiltepin_detect_site(hostname: str, environ: Mapping[str, str]) -> str | None:
    """Return the name of the site this machine belongs to, or None (decide, firstresult).

    Called with the host name and the environment; the first plugin that recognises the
    machine answers. The detected site serves ``extends: preset`` without a site name.

    Example::

        @hookimpl
        def chiltepin_detect_site(hostname, environ):
            return "hercules" if hostname.startswith("hercules-") else None
    """


@hookspec(firstresult=True)
def chiltepin_translate_geometry(geometry: Mapping[str, Any],
                                 resource: ResolvedResource | None) -> dict[str, Any] | None:
    """Validate an MPI task geometry and turn it into a Parsl resource specification (decide).

    ``geometry`` is the task's ``chiltepin_task_geometry`` merged over its
    ``parsl_resource_specification`` (geometry keys win); ``resource`` is the target resource,
    or None when the call may run on several. Return the dict to hand to Parsl, or None to let
    the next plugin decide. Raise ``ValueError``/``TypeError`` naming the field for bad input.
    chiltepin-mpi ships the default translator (``trylast``).

    To handle part of a geometry and hand the rest on, call
    ``get_plugin_manager().translate_geometry(rest, resource, after=<your plugin module or
    object>)``: it asks only the translators pluggy would call after yours, guarded like the
    first call (chiltepin-globus keeps endpoint options and hands the MPI geometry on this way).

    Example::

        @hookimpl(tryfirst=True)
        def chiltepin_translate_geometry(geometry, resource):
            if resource is not None and resource.get("mpi_launcher") == "aprun":
                return {**geometry, "launcher_options": "--cc depth"}
            return None
    """
