"""Hook implementations of chiltepin-mpi (entry point ``mpi`` in the ``chiltepin`` group)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chiltepin.plugins import ExecutorBackend, MPILauncher, ResolvedResource, hookimpl

from .backend import MPI_BACKEND
from .geometry import translate
from .launchers import MPI_LAUNCHERS


@hookimpl
def chiltepin_executor_backends() -> list[ExecutorBackend]:
    return [MPI_BACKEND]


@hookimpl
def chiltepin_mpi_launchers() -> list[MPILauncher]:
    return list(MPI_LAUNCHERS)


@hookimpl(trylast=True)
def chiltepin_translate_geometry(geometry: Mapping[str, Any], resource: ResolvedResource | None) -> dict[str, Any]:
    return translate(geometry, resource)
