"""Parsl's SlurmProvider and PBSProProvider with upstream faults fixed.

Imported only when a block provider is built (Parsl's provider modules take a second to import).

- Submit failures carry the scheduler's own message (:class:`BlockSubmitError`).
- The status polling interval is configurable (Parsl fixes it at 60 s).
- Slurm MPI blocks never get ``--cpus-per-task`` (it makes every rank of a task step claim a
  whole node, Parsl issue 3006); ``cores_per_node`` becomes ``--ntasks-per-node``, the rank slots.
- PBS Pro renders ``select=N[:ncpus=C][:ngpus=G][:mem=Mgb][:select_options]`` and never
  ``ncpus=None``.
"""

from __future__ import annotations

from typing import Any

from parsl.providers import PBSProProvider, SlurmProvider
from parsl.providers.errors import SubmitException


class BlockSubmitError(SubmitException):
    """The scheduler refused a block; the message carries the scheduler's own words."""

    def __str__(self) -> str:
        said = "\n".join(t.strip() for t in (self.stderr, self.stdout) if t and t.strip()) or "no output"
        code = f"exit code {self.retcode}" if self.retcode is not None else "non-zero exit code"
        return f"{self.message} ({code}): {said}"


class ReadableSubmit:
    """Mixin for Parsl cluster providers: readable submit errors, configurable status polling.

    Parsl stores a failed submission's exception text as the block's status message; its block
    error handler then fails the executor's tasks with it, so the scheduler's message reaches the
    task futures on the next strategy tick.
    """

    submit_command = "the scheduler"
    status_interval: float = 60.0

    @property
    def status_polling_interval(self) -> float:
        return self.status_interval

    def submit(self, command: str, tasks_per_node: int, job_name: str = "parsl") -> str:
        try:
            return super().submit(command, tasks_per_node, job_name)  # type: ignore[misc]
        except SubmitException as exc:
            raise BlockSubmitError(
                exc.job_name, f"{self.submit_command} rejected block {exc.job_name}",
                stdout=exc.stdout, stderr=exc.stderr, retcode=getattr(exc, "retcode", None)) from None


# Parsl types status_polling_interval as int; ReadableSubmit's float seconds work the same.
class SlurmBlockProvider(ReadableSubmit, SlurmProvider):  # type: ignore[misc]
    """SlurmProvider for chiltepin resources; ``rank_slots`` is set on MPI resources."""

    submit_command = "sbatch"

    def __init__(self, *, status_interval: float, rank_slots: int | None = None, **kwargs: Any):
        self.status_interval = status_interval
        self.rank_slots = rank_slots
        super().__init__(**kwargs)

    def _write_submit_script(self, template: str, script_filename: str, job_name: str,
                             configs: dict[str, Any]) -> bool:
        if self.rank_slots:
            configs = {**configs, "tasks_per_node": self.rank_slots}
        return super()._write_submit_script(template, script_filename, job_name, configs)


PBS_TEMPLATE = """#!/bin/bash

#PBS -S /bin/bash
#PBS -N ${jobname}
#PBS -m n
#PBS -l walltime=${walltime}
#PBS -l select=${nodes_per_block}${select_options}
#PBS -o ${job_stdout_path}
#PBS -e ${job_stderr_path}
${scheduler_options}

${worker_init}

export JOBNAME="${jobname}"

${user_script}
"""


class PBSProBlockProvider(ReadableSubmit, PBSProProvider):  # type: ignore[misc]  # as above
    """PBSProProvider whose select line lists only the chunk resources that are set."""

    submit_command = "qsub"

    def __init__(self, *, status_interval: float, chunk: str, worker_cores: int | None, **kwargs: Any):
        self.status_interval = status_interval
        super().__init__(select_options=chunk, **kwargs)
        self.template_string = PBS_TEMPLATE
        # HTEX sizes a node's workers from this attribute, as with SlurmProvider; None on MPI
        # resources, where Parsl asks providers not to set it.
        self.cores_per_node = worker_cores
