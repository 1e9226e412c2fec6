"""What the Slurm and PBS Pro providers share: settings, Parsl keyword arguments and a cross-key check."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from chiltepin.plugins import BLOCK_SETTINGS, Float, Int, ResolvedResource, Setting, Str, StrList, block_kwargs

from . import walltime

BATCH_SETTINGS: tuple[Setting, ...] = BLOCK_SETTINGS + (
    Setting("nodes_per_block", Int(minimum=1), 1, "Nodes in each block (batch job)."),
    Setting("cores_per_node", Int(minimum=1), None,
            "Cores per node the block asks for. Unset: the scheduler's default (whole nodes with "
            "exclusive on Slurm). On non-MPI resources it also caps the workers per node; on MPI "
            "resources it is the rank slots per node (see the provider's page)."),
    Setting("mem_per_node", Int(minimum=1), None, "Memory per node in GB."),
    Setting("gpus_per_node", Int(minimum=0), None, "GPUs per node."),
    Setting("account", Str(), None, "Account (allocation, project) charged for the blocks."),
    Setting("walltime", Str(walltime.PATTERN, walltime.FORMS), "00:10:00",
            "Longest run time of each block, HH:MM:SS or D-HH:MM:SS.", check=walltime.problem),
    Setting("drain_margin", Int(minimum=0), None,
            "Seconds before the walltime at which a block's workers stop taking new tasks, so the tasks "
            "they run can finish; the block then ends and, while work remains, a new one replaces it. "
            "Default: a tenth of the walltime, at least 60 s and at most 15 min (half the walltime if "
            "that is shorter). 0: never drain."),
    Setting("cmd_timeout", Int(minimum=1), 30, "Seconds to wait for a scheduler command (submit, status, "
            "cancel) before it counts as failed."),
    Setting("status_polling_interval", Float(above=0), 60.0, "Seconds between scheduler status queries for "
            "the blocks (Parsl polls every 60 s)."),
)


def scheduler_options_setting(directive: str, example: str) -> Setting:
    """The ``scheduler_options`` key: extra header lines, each starting with ``directive``."""

    def check(lines: list[str]) -> str | None:
        for line in lines:
            if not line.startswith(directive):
                return (f"line {line!r} does not start with '{directive}'; every line is copied into the "
                        f"job script's header as is (e.g. '{directive} {example}')")
        return None

    return Setting("scheduler_options", StrList(), (),
                   f"Extra header lines copied as they are into the job script, each starting with "
                   f"'{directive}' (e.g. '{directive} {example}'): anything the other keys do not cover.",
                   check=check)


def provider_kwargs(resource: ResolvedResource) -> dict[str, Any]:
    """Keyword arguments both Parsl cluster providers take, from the shared settings."""
    return {**block_kwargs(resource), "nodes_per_block": resource.get("nodes_per_block"),
            "account": resource.get("account"), "cmd_timeout": resource.get("cmd_timeout")}


def workers_fit(options: Mapping[str, Any]) -> Iterator[str]:
    """A problem if the HTEX workers of a node would need more cores than ``cores_per_node``."""
    cores, workers = options.get("cores_per_node"), options.get("max_workers_per_node")
    per_worker = options.get("cores_per_worker") or 1.0
    if cores and workers and not options.get("mpi") and workers * per_worker > cores:
        yield (f"max_workers_per_node: {workers} workers x {per_worker:g} cores_per_worker need "
               f"{workers * per_worker:g} cores, more than cores_per_node ({cores})")



def accelerators_match_gpus(options: Mapping[str, Any]) -> Iterator[str]:
    """A problem if ``available_accelerators`` pins workers to another number of devices than the
    ``gpus_per_node`` the block asks for."""
    gpus, accelerators = options.get("gpus_per_node"), options.get("available_accelerators")
    if gpus is None or accelerators is None:
        return
    count = accelerators if isinstance(accelerators, int) else len(accelerators)
    if count != gpus:
        listed = "" if isinstance(accelerators, int) else f" ({', '.join(map(str, accelerators))})"
        yield (f"available_accelerators: {count} accelerator(s) per node{listed}, but gpus_per_node asks for {gpus}; "
               f"one worker is pinned per accelerator, so give both the same number (or leave "
               f"available_accelerators unset to pin none)")


def drain_margin(options: Mapping[str, Any]) -> int:
    """The seconds before the walltime at which a block drains (its ``drain_margin`` or the default)."""
    total = walltime.seconds(options["walltime"])
    margin = options.get("drain_margin")
    if margin is None:
        margin = min(max(total // 10, 60), 15 * 60, total // 2)
    return margin


def drain_period(resource: ResolvedResource) -> int | None:
    """Parsl's ``drain_period`` of the resource's blocks: walltime minus the drain margin."""
    margin = drain_margin(resource.options)
    if margin == 0:
        return None
    return walltime.seconds(resource.get("walltime")) - margin


def margin_fits(options: Mapping[str, Any]) -> Iterator[str]:
    """A problem if ``drain_margin`` is not shorter than the walltime."""
    margin, text = options.get("drain_margin"), options["walltime"]
    if not isinstance(margin, int) or walltime.problem(text) is not None:
        return
    total = walltime.seconds(text)
    if margin >= total:
        yield (f"drain_margin: {margin} s is not shorter than walltime ({text} = {total} s), so a block would "
               f"never take a task; give fewer seconds (or 0 to never drain)")


def batch_checks(options: Mapping[str, Any]) -> Iterator[str]:
    """The checks every batch provider runs: workers fit, accelerators match GPUs, the drain margin fits."""
    yield from workers_fit(options)
    yield from accelerators_match_gpus(options)
    yield from margin_fits(options)
