"""Block launchers: how a batch job starts one worker pool on every node of its block."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chiltepin.plugins import LauncherSpec, ResolvedResource, Setting, Str

if TYPE_CHECKING:
    from parsl.launchers import MpiExecLauncher, SrunLauncher


def _srun(resource: ResolvedResource) -> SrunLauncher:
    from parsl.launchers import SrunLauncher

    return SrunLauncher(overrides=resource.get("srun_options") or "")


def _mpiexec(resource: ResolvedResource) -> MpiExecLauncher:
    from parsl.launchers import MpiExecLauncher

    return MpiExecLauncher(overrides=resource.get("mpiexec_options") or "")


SRUN = LauncherSpec(
    "srun", _srun,
    settings=(Setting("srun_options", Str(), "", "Extra srun arguments for starting the workers "
                      "(e.g. '--cpu-bind=none')."),),
    description="Start one worker pool per node with srun (Slurm; the slurm provider's default).")

MPIEXEC = LauncherSpec(
    "mpiexec", _mpiexec,
    settings=(Setting("mpiexec_options", Str(), "", "Extra mpiexec arguments for starting the workers."),),
    description="Start one worker pool per node with mpiexec over the job's node file "
                "($PBS_NODEFILE; the pbspro provider's default).")
