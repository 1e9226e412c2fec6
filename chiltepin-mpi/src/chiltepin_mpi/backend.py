"""The ``mpi`` executor backend: resources with ``mpi: true`` run on Parsl's MPIExecutor."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from chiltepin.plugins import (
    HTEX_SETTINGS,
    ExecutorBackend,
    Int,
    PluginError,
    ResolvedResource,
    Setting,
    Str,
    get_plugin_manager,
    htex_kwargs,
)

from .launchers import PARSL_NAMES

if TYPE_CHECKING:
    from parsl.providers.base import ExecutionProvider

    from .executor import ChiltepinMPIExecutor

#: HTEX settings that Parsl's MPIExecutor takes (it fixes the worker count and core share itself).
MPI_HTEX_SETTINGS = tuple(s for s in HTEX_SETTINGS
                          if s.name in ("address", "worker_debug", "encrypted", "heartbeat_period",
                                        "heartbeat_threshold"))

MPI_SETTINGS: tuple[Setting, ...] = (
    Setting("max_mpi_apps", Int(minimum=1), 1,
            "MPI tasks run at once per block (Parsl's max_workers_per_block). Each task takes at least "
            "one node, so at most nodes_per_block; on a provider that runs locally (localhost), the tasks share "
            "this machine."),
    Setting("mpi_launcher", Str(), None,
            "MPI launcher whose command tasks get as $PARSL_MPI_PREFIX: srun, mpiexec (the worker's mpiexec, "
            "its flavour detected from 'mpiexec --version'), a flavour named outright (mpiexec-openmpi, "
            "mpiexec-mpich, mpiexec-intel, mpiexec-mvapich), aprun, or one a plugin adds. Default: srun on "
            "provider slurm, mpiexec elsewhere."),
    Setting("mpi_command", Str(), None,
            "Program that replaces the launcher's own at the start of $PARSL_MPI_PREFIX, e.g. "
            "mpiexec.mpich or /opt/openmpi/bin/mpirun (default: the launcher's, on PATH)."),
) + MPI_HTEX_SETTINGS


def mpi_launcher(options: Mapping[str, Any]) -> str:
    """The MPI launcher a resource uses: its ``mpi_launcher``, else the provider's default."""
    return options.get("mpi_launcher") or ("srun" if options.get("provider") == "slurm" else "mpiexec")


def check(options: Mapping[str, Any]) -> Iterator[str]:
    """Cross-key rules of an MPI resource, as ``"key: problem"`` texts."""
    if options.get("launcher") not in (None, "simple"):
        yield (f"launcher: an MPI resource starts one worker pool per block, which needs the 'simple' "
               f"launcher; got '{options['launcher']}' (choose how ranks start with mpi_launcher instead)")
    name = mpi_launcher(options)
    try:
        get_plugin_manager().lookup("mpi_launchers", name)
    except PluginError as exc:
        yield f"mpi_launcher: {exc}"
    nodes, apps = options.get("nodes_per_block"), options.get("max_mpi_apps")
    if isinstance(nodes, int) and isinstance(apps, int) and apps > nodes:
        yield (f"max_mpi_apps: {apps} MPI tasks cannot run at once on a block of {nodes} node(s) (nodes_per_block); "
               f"each takes at least one node, so use at most {nodes}")


def pool_command() -> str:
    """The worker pool command of an MPI block: :mod:`chiltepin_mpi.worker_pool` with Parsl's pool
    arguments, run by the ``python3`` the block's environment lines put on PATH (where Parsl's
    ``process_worker_pool.py`` would be found); core runs local blocks with its own interpreter."""
    from parsl.executors.high_throughput.executor import DEFAULT_LAUNCH_CMD

    return f"python3 -m chiltepin_mpi.worker_pool {DEFAULT_LAUNCH_CMD.split(' ', 1)[1]}"


def build(resource: ResolvedResource, provider: ExecutionProvider | None) -> ChiltepinMPIExecutor:
    """A :class:`ChiltepinMPIExecutor` labelled with the resource's name."""
    from .executor import ChiltepinMPIExecutor

    launcher = mpi_launcher(resource.options)
    apps = resource.get("max_mpi_apps")
    kwargs = {**htex_kwargs(resource), "launch_cmd": pool_command()}
    return ChiltepinMPIExecutor(
        provider=provider, max_workers_per_block=apps, mpi_launcher=PARSL_NAMES.get(launcher, "mpiexec"),
        launcher=launcher, mpi_command=resource.get("mpi_command"),
        local_slots=apps if resource.runs_locally else None, **kwargs)


MPI_BACKEND = ExecutorBackend(
    name="mpi", build=build, settings=MPI_SETTINGS, selected_by="mpi", launcher="simple", check=check,
    description="Parsl's MPIExecutor: one worker pool per block hands nodes to MPI tasks, which start their "
                "ranks with $PARSL_MPI_PREFIX.")
