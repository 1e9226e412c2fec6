"""The chiltepin-slurm plugin: Slurm and PBS Pro resource providers and their block launchers."""

from __future__ import annotations

from chiltepin.plugins import LauncherSpec, ResourceProvider, hookimpl

from .launchers import MPIEXEC, SRUN
from .pbspro import PBSPRO
from .slurm import SLURM


@hookimpl
def chiltepin_resource_providers() -> list[ResourceProvider]:
    return [SLURM, PBSPRO]


@hookimpl
def chiltepin_launchers() -> list[LauncherSpec]:
    return [SRUN, MPIEXEC]
