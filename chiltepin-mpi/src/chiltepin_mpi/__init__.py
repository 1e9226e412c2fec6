"""chiltepin-mpi: MPI resources (``mpi: true``), task geometry and MPI launchers for chiltepin."""

from __future__ import annotations

from .geometry import TaskGeometry, translate

__all__ = ["TaskGeometry", "translate"]
