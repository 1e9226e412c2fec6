"""The ``pbspro`` resource provider: blocks are PBS Pro batch jobs (qsub, qstat, qdel)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from chiltepin.plugins import ResolvedResource, ResourceProvider, Setting, Str

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

    from .parsl_providers import PBSProBlockProvider

#: Chunk resources that have their own keys, so select_options must not repeat them.
OWN_KEYS = {"ncpus": "cores_per_node", "ngpus": "gpus_per_node", "mem": "mem_per_node"}

SETTINGS: tuple[Setting, ...] = BATCH_SETTINGS + (
    Setting("queue", Str(), None, "Queue the blocks go to (qsub -q); unset: the server's default."),
    Setting("select_options", Str(r":?[A-Za-z_]\w*=[^:\s]+(?::[A-Za-z_]\w*=[^:\s]+)*", "name=value[:name=value...]"),
            None, "More chunk resources for the select line, e.g. 'mpiprocs=64:ompthreads=2'. ncpus, ngpus and "
            "mem come from cores_per_node, gpus_per_node and mem_per_node."),
    scheduler_options_setting("#PBS", "-l place=scatter"),
)


def _chunk_resources(select_options: str | None) -> dict[str, str]:
    return dict(part.split("=", 1) for part in (select_options or "").strip(":").split(":") if "=" in part)


def check(options: Mapping[str, Any]) -> Iterator[str]:
    """Cross-key rules: select_options does not repeat keyed resources, and what a chunk asks for
    fits in cores_per_node."""
    extra = _chunk_resources(options.get("select_options"))
    for name, key in OWN_KEYS.items():
        if name in extra:
            yield f"select_options: sets {name}, which comes from {key}; set {key} instead"
    cores = options.get("cores_per_node")
    if cores and re.fullmatch(r"\d+", extra.get("mpiprocs", "")):
        threads = int(extra["ompthreads"]) if re.fullmatch(r"\d+", extra.get("ompthreads", "")) else 1
        if int(extra["mpiprocs"]) * threads > cores:
            yield (f"select_options: mpiprocs={extra['mpiprocs']} x ompthreads={threads} need "
                   f"{int(extra['mpiprocs']) * threads} cores, more than cores_per_node ({cores})")
    yield from batch_checks(options)


def select_chunk(resource: ResolvedResource) -> str:
    """What follows ``select=N`` in the block's header: only the resources that are set."""
    cores, gpus, mem = (resource.get(k) for k in ("cores_per_node", "gpus_per_node", "mem_per_node"))
    parts = ([f"ncpus={cores}"] if cores else []) + ([f"ngpus={gpus}"] if gpus else []) \
        + ([f"mem={mem}gb"] if mem else [])
    extra = (resource.get("select_options") or "").strip(":")
    return "".join(f":{part}" for part in parts + ([extra] if extra else []))


def build(resource: ResolvedResource, launcher: Launcher | None) -> PBSProBlockProvider:
    """The Parsl provider of a resource."""
    from .parsl_providers import PBSProBlockProvider

    extra = {"launcher": launcher} if launcher is not None else {}
    return PBSProBlockProvider(
        status_interval=resource.get("status_polling_interval"), chunk=select_chunk(resource),
        worker_cores=None if resource.mpi else resource.get("cores_per_node"), queue=resource.get("queue"),
        walltime=walltime.hms(resource.get("walltime")),
        scheduler_options="\n".join(resource.get("scheduler_options") or ()),
        **provider_kwargs(resource), **extra)


PBSPRO = ResourceProvider(
    name="pbspro", build=build, settings=SETTINGS, default_launcher="mpiexec", check=check, drain_period=drain_period,
    description="Run blocks as PBS Pro batch jobs (qsub, qstat, qdel).")
