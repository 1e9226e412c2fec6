"""MPI launchers: the command prefix a task gets as ``$PARSL_MPI_PREFIX`` for its geometry and nodes.

Each ``prefix(spec, nodes)`` takes a completed geometry (see :meth:`TaskGeometry.as_spec`) and the
nodes the block gave the task, and returns the command that starts the task's ranks there; the
task appends its program. ``launcher_options`` always comes last.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from chiltepin.plugins import MPILauncher

from .flavours import detect


def _join(args: list[Any], spec: Mapping[str, Any]) -> str:
    words = [str(a) for a in args]
    options = spec.get("launcher_options") or ""
    return " ".join(words + ([options] if options else []))


def srun_prefix(spec: Mapping[str, Any], nodes: Sequence[str]) -> str:
    """``srun --ntasks N --ntasks-per-node P --nodes K --nodelist a,b [--cpus-per-task T]``."""
    args: list[Any] = ["srun", "--ntasks", spec["num_ranks"], "--ntasks-per-node", spec["ranks_per_node"],
                       "--nodes", len(nodes), "--nodelist", ",".join(nodes)]
    if spec.get("threads_per_rank"):
        args += ["--cpus-per-task", spec["threads_per_rank"]]
    return _join(args, spec)


def hydra_prefix(spec: Mapping[str, Any], nodes: Sequence[str]) -> str:
    """MPICH's Hydra (also Intel MPI and MVAPICH): ``mpiexec -n N -ppn P -hosts a,b``; Hydra
    passes the environment (and so ``OMP_NUM_THREADS``) to every rank."""
    return _join(["mpiexec", "-n", spec["num_ranks"], "-ppn", spec["ranks_per_node"], "-hosts", ",".join(nodes)],
                 spec)


def openmpi_prefix(spec: Mapping[str, Any], nodes: Sequence[str]) -> str:
    """Open MPI: ``mpiexec -n N --map-by ppr:P:node --host a:P,b:P --oversubscribe [-x OMP_NUM_THREADS]``.

    ``--host name:P`` gives each node P slots outside a batch job; inside one, Open MPI counts the
    job's slots instead (Parsl asks for one task per node), so ``--oversubscribe`` lets the
    geometry decide. ``-x`` forwards ``OMP_NUM_THREADS``, which Open MPI does not pass to remote
    nodes by itself.
    """
    per_node = spec["ranks_per_node"]
    args: list[Any] = ["mpiexec", "-n", spec["num_ranks"], "--map-by", f"ppr:{per_node}:node",
                       "--host", ",".join(f"{node}:{per_node}" for node in nodes), "--oversubscribe"]
    if spec.get("threads_per_rank"):
        args += ["-x", "OMP_NUM_THREADS"]
    return _join(args, spec)


def aprun_prefix(spec: Mapping[str, Any], nodes: Sequence[str]) -> str:
    """Cray ALPS: ``aprun -n N -N P -node-list a,b [-d T]``."""
    args: list[Any] = ["aprun", "-n", spec["num_ranks"], "-N", spec["ranks_per_node"], "-node-list", ",".join(nodes)]
    if spec.get("threads_per_rank"):
        args += ["-d", spec["threads_per_rank"]]
    return _join(args, spec)


def with_command(prefix: str, command: str | None) -> str:
    """``prefix`` with its first word (the launcher program) replaced by ``command``, if given."""
    if not command:
        return prefix
    _, _, rest = prefix.partition(" ")
    return f"{shlex.quote(command)} {rest}" if rest else shlex.quote(command)


def detected_prefix(spec: Mapping[str, Any], nodes: Sequence[str]) -> str:
    """The prefix of the flavour of the ``mpiexec`` on this process's PATH (see :mod:`.flavours`)."""
    return OWN_LAUNCHERS[detect("mpiexec", None)].prefix(spec, nodes)


#: The MPI launcher that detects the flavour of ``mpiexec`` on the worker.
DETECT = "mpiexec"

#: Parsl's own name for each launcher (its ``mpi_launcher``); others run as "mpiexec" in Parsl.
PARSL_NAMES = {"srun": "srun", "aprun": "aprun"}

MPI_LAUNCHERS = (
    MPILauncher("srun", srun_prefix,
                description="Slurm's srun (the default on provider slurm); Open MPI programs need "
                            "SLURM_MPI_TYPE=pmix or launcher_options '--mpi=pmix'."),
    MPILauncher(DETECT, detected_prefix,
                description="The worker's mpiexec, whichever MPI it belongs to: the flavour is detected from "
                            "'mpiexec --version' on the worker (the default off Slurm)."),
    MPILauncher("mpiexec-mpich", hydra_prefix, description="mpiexec of MPICH (Hydra)."),
    MPILauncher("mpiexec-intel", hydra_prefix, description="mpiexec of Intel MPI (Hydra's syntax)."),
    MPILauncher("mpiexec-mvapich", hydra_prefix, description="mpiexec of MVAPICH (Hydra's syntax)."),
    MPILauncher("mpiexec-openmpi", openmpi_prefix,
                description="mpiexec of Open MPI, which does not understand Hydra's -ppn/-hosts."),
    MPILauncher("aprun", aprun_prefix, description="Cray ALPS aprun."),
)

OWN_LAUNCHERS = {record.name: record for record in MPI_LAUNCHERS}
