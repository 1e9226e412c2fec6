"""Parsl's MPIExecutor with chiltepin's geometry rules, launchers, and MPI on the local machine."""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from typing import Any

from parsl.executors import MPIExecutor
from parsl.executors.errors import InvalidResourceSpecification
from parsl.serialize import pack_apply_message
from parsl.serialize.errors import SerializationError

from .geometry import TaskGeometry

#: Host name a block on the submitting machine lists for each of its MPI task slots.
LOCAL_HOST = "localhost"


class ChiltepinMPIExecutor(MPIExecutor):
    """An MPIExecutor whose tasks see ``$PARSL_MPI_PREFIX`` of any chiltepin MPI launcher.

    ``launcher`` names the chiltepin MPI launcher and ``mpi_command`` optionally replaces its
    program. Every task's resource specification is checked and completed as a
    :class:`TaskGeometry` at submission, so a bad one fails its task at once instead of hanging
    the block. With ``local_slots`` set (a provider that runs locally), the block gets a node file listing
    this machine once per slot and finds it through ``PBS_NODEFILE``, since Parsl's MPI mode
    otherwise knows nodes only inside a Slurm or PBS job.
    """

    def __init__(self, *, launcher: str, mpi_command: str | None = None, local_slots: int | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.chiltepin_launcher = launcher
        self.mpi_command = mpi_command
        self.local_slots = local_slots

    def initialize_scaling(self) -> None:
        super().initialize_scaling()
        if self.local_slots:
            node_file = os.path.join(self.logdir, "mpi_nodes")
            os.makedirs(self.logdir, exist_ok=True)
            with open(node_file, "w") as f:
                f.write(f"{LOCAL_HOST}\n" * self.local_slots)
            # The command is formatted once more per block (with block_id): escape braces.
            assignment = f"PBS_NODEFILE={shlex.quote(node_file)}".replace("{", "{{").replace("}", "}}")
            self.launch_cmd = f"{assignment} {self.launch_cmd}"

    def validate_resource_spec(self, resource_specification: dict) -> None:
        self._task_spec(resource_specification)

    def _task_spec(self, resource_specification: dict | None) -> tuple[TaskGeometry, dict[str, Any]]:
        keys = set(resource_specification or ())
        try:
            geometry, others = TaskGeometry.from_spec(resource_specification or {})
        except (TypeError, ValueError) as exc:
            raise InvalidResourceSpecification(
                keys, f"resource '{self.label}' runs MPI tasks, which need a geometry "
                      f"(chiltepin_task_geometry={{'num_nodes': ..., 'ranks_per_node': ...}}): {exc}") from None
        assert self.provider is not None, "an MPI resource always has a provider"
        nodes = self.provider.nodes_per_block
        if geometry.num_nodes > nodes:  # type: ignore[operator]
            # Parsl would keep such a task in the block's backlog forever.
            raise InvalidResourceSpecification(
                keys, f"num_nodes ({geometry.num_nodes}) is more than the {nodes} node(s) in a block of resource "
                      f"'{self.label}'")
        return geometry, others

    def submit(self, func: Callable[..., Any], resource_specification: dict, *args: Any, **kwargs: Any) -> Any:
        geometry, others = self._task_spec(resource_specification)
        spec = geometry.as_spec()
        try:
            buffer = pack_apply_message(func, args, kwargs, buffer_threshold=1 << 20)
        except TypeError:
            raise SerializationError(func.__name__) from None
        parsl_spec = {k: v for k, v in spec.items() if k != "threads_per_rank"}
        context = {
            "resource_spec": {**others, **parsl_spec},
            "task_executor": {"f": "chiltepin_mpi.worker.execute",
                              "k": {"launcher": self.chiltepin_launcher, "spec": spec, "command": self.mpi_command,
                                    "resource": self.label}},
        }
        return self.submit_payload(context, buffer)
