"""The ``slurm`` resource provider: blocks are Slurm batch jobs (sbatch, squeue, scancel)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from chiltepin.plugins import Bool, ResolvedResource, ResourceProvider, Setting, Str

from . import walltime
from .batch import (
    BATCH_SETTINGS,
    batch_checks,
    drain_period,
    provider_kwargs,
    scheduler_options_setting,
)

if TYPE_CHECKING:
    from parsl.launchers.base import Launcher

    from .parsl_providers import SlurmBlockProvider

SETTINGS: tuple[Setting, ...] = BATCH_SETTINGS + (
    Setting("exclusive", Bool(), True, "Ask for whole nodes (--exclusive). Without it, and without "
            "cores_per_node, Slurm gives the block one CPU per node."),
    Setting("partition", Str(), None, "Partition the blocks run in (--partition); unset: the cluster's default."),
    Setting("qos", Str(), None, "Quality of service (--qos)."),
    Setting("queue", Str(), None, "The QOS (--qos) under the name chiltepin 0.1 used for it; prefer qos. "
            "On Slurm this is not the partition."),
    Setting("constraint", Str(), None, "Node features the blocks need (--constraint), e.g. 'cpu' or 'gpu&a100'."),
    scheduler_options_setting("#SBATCH", "--licenses=scratch"),
)


def check(options: Mapping[str, Any]) -> Iterator[str]:
    """Cross-key rules: queue and qos name one QOS; the workers fit in cores_per_node."""
    queue, qos = options.get("queue"), options.get("qos")
    if queue and qos and queue != qos:
        yield (f"queue: on Slurm 'queue' sets the QOS (as in chiltepin 0.1) and conflicts with qos ({qos!r}); "
               f"set only qos (use partition for the partition)")
    yield from batch_checks(options)


def build(resource: ResolvedResource, launcher: Launcher | None) -> SlurmBlockProvider:
    """The Parsl provider of a resource; on MPI resources cores_per_node are rank slots."""
    from .parsl_providers import SlurmBlockProvider

    cores = resource.get("cores_per_node")
    extra = {"launcher": launcher} if launcher is not None else {}
    return SlurmBlockProvider(
        status_interval=resource.get("status_polling_interval"),
        rank_slots=cores if resource.mpi else None,
        cores_per_node=None if resource.mpi else cores,
        partition=resource.get("partition"), qos=resource.get("qos") or resource.get("queue"),
        constraint=resource.get("constraint"), mem_per_node=resource.get("mem_per_node"),
        gpus_per_node=resource.get("gpus_per_node"), exclusive=resource.get("exclusive"),
        walltime=walltime.hms(resource.get("walltime"), whole_minutes=True),
        scheduler_options="\n".join(resource.get("scheduler_options") or ()),
        **provider_kwargs(resource), **extra)


SLURM = ResourceProvider(
    name="slurm", build=build, settings=SETTINGS, default_launcher="srun", check=check, drain_period=drain_period,
    description="Run blocks as Slurm batch jobs (sbatch, squeue, scancel).")
