"""The keys a Globus Compute resource claims, and how they become the endpoint's variables.

A ``globus-compute`` resource runs no local provider, so it claims every key it takes: the
endpoint, plus the options sent to the endpoint's configuration template as its
``user_endpoint_config`` (the scheduler, blocks, MPI and worker layout of the remote side).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from chiltepin.plugins import BLOCK_SETTINGS, Bool, Choice, Float, Int, Setting, Str

UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
WALLTIME_PATTERN = r"(\d+-)?\d{1,3}:\d{2}:\d{2}"

#: Scheduler names the endpoint template chiltepin writes knows how to start blocks on.
ENDPOINT_PROVIDERS = ("localhost", "slurm", "pbspro")
#: MPI launchers the template knows.
ENDPOINT_MPI_LAUNCHERS = ("srun", "mpiexec", "aprun")

ENDPOINT = Setting("endpoint", Str(UUID_PATTERN, "a Globus Compute endpoint UUID "
                                   "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"), None,
                   "UUID of the Globus Compute endpoint that runs this resource's tasks "
                   "(`chiltepin endpoint list` shows yours).", required=True)

#: Options forwarded to the endpoint (``environment`` travels as ``worker_init``).
ENDPOINT_OPTIONS: tuple[Setting, ...] = (
    Setting("provider", Choice(ENDPOINT_PROVIDERS), "localhost",
            "Where the endpoint starts blocks of workers: on its own host or through its scheduler."),
    Setting("mpi", Bool(), False, "Run MPI tasks: the endpoint uses its MPI engine."),
    Setting("max_mpi_apps", Int(minimum=1), 1, "MPI tasks running at once in one block (mpi: true)."),
    Setting("mpi_launcher", Choice(ENDPOINT_MPI_LAUNCHERS), None,
            "MPI launcher on the endpoint (default: srun under Slurm, else mpiexec)."),
    Setting("cores_per_node", Int(minimum=1), None, "Cores to request per node from the endpoint's scheduler."),
    Setting("nodes_per_block", Int(minimum=1), 1, "Nodes in each block (scheduler job)."),
    *BLOCK_SETTINGS,
    Setting("exclusive", Bool(), True, "Request whole nodes (Slurm --exclusive)."),
    Setting("partition", Str(), None, "Scheduler partition on the endpoint's cluster."),
    Setting("queue", Str(), None, "Queue (PBS Pro) or QOS (Slurm) on the endpoint's cluster."),
    Setting("account", Str(), None, "Account (allocation) charged for the endpoint's jobs."),
    Setting("walltime", Str(WALLTIME_PATTERN, "a wall time HH:MM:SS or D-HH:MM:SS"), "00:10:00",
            "Wall time of each block's job."),
    Setting("max_workers_per_node", Int(minimum=1), None,
            "Workers per node on the endpoint (default: cores / cores_per_worker)."),
    Setting("cores_per_worker", Float(above=0), 1.0, "Cores each endpoint worker counts as using."),
)

COMPUTE_SETTINGS: tuple[Setting, ...] = (ENDPOINT, *ENDPOINT_OPTIONS)

#: Keys of a ``transfer_endpoints:`` entry served by the ``globus`` transfer provider.
TRANSFER_ENDPOINT_SETTINGS: tuple[Setting, ...] = (
    Setting("endpoint", Str(), None, "Display name or UUID of the Globus collection (default: the "
            "transfer endpoint's own name)."),
)

_OPTIONS = {s.name: s for s in ENDPOINT_OPTIONS}
#: Variable names of the endpoint template: the options, with environment renamed.
TEMPLATE_VARIABLES = tuple("worker_init" if name == "environment" else name for name in _OPTIONS)


def endpoint_config(options: Mapping[str, Any]) -> dict[str, Any]:
    """The ``user_endpoint_config`` of a resource: its endpoint options that are set.

    ``environment`` lines are joined into ``worker_init``; unset (None) options are left out
    so the endpoint template's defaults apply.
    """
    config: dict[str, Any] = {}
    for name in _OPTIONS:
        value = options.get(name)
        if name == "environment":
            if value:
                config["worker_init"] = "\n".join(value)
        elif value is not None:
            config[name] = value
    return config


def check_endpoint_options(options: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Validate per-task endpoint options (same keys and rules as the resource's) and return
    them as template variables; raise ValueError naming ``where`` and the key."""
    if not isinstance(options, Mapping):
        raise ValueError(f"{where}: expected a mapping of endpoint options, got {type(options).__name__}")
    checked: dict[str, Any] = {}
    for key, value in options.items():
        name = "environment" if key == "worker_init" else key
        setting = _OPTIONS.get(name)
        if setting is None:
            from chiltepin.plugins import did_you_mean

            raise ValueError(f"{where}.{key}: not an endpoint option{did_you_mean(str(key), TEMPLATE_VARIABLES)}; "
                             f"endpoint options: {', '.join(TEMPLATE_VARIABLES)}")
        if key == "worker_init" and isinstance(value, str):
            checked[key] = value
            continue
        try:
            checked.update(endpoint_config({name: setting.validate(value)}))
        except ValueError as exc:
            raise ValueError(f"{where}.{key}: {exc}") from None
    return checked


def split_task_geometry(spec: Mapping[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(checked endpoint options, remaining keys) of a task's specification, as new dicts.

    Endpoint options are the ``user_endpoint_config`` entry plus any endpoint option named at
    the top level (top-level names win); the remaining keys are the task's resource
    specification proper (MPI geometry).
    """
    rest = copy.deepcopy(dict(spec))
    options = rest.pop("user_endpoint_config", None) or {}
    if not isinstance(options, Mapping):
        raise ValueError(f"{where}: expected a mapping of endpoint options, got {type(options).__name__}")
    options = {**options, **{k: rest.pop(k) for k in [k for k in rest if k in TEMPLATE_VARIABLES]}}
    return check_endpoint_options(options, where), rest


def template_schema() -> dict[str, Any]:
    """JSON Schema of the endpoint template's variables (written as ``user_config_schema.json``).

    Built from the same declarations that check the resource, so the endpoint rejects what
    chiltepin would reject, with the setting's help text as description.
    """
    properties: dict[str, Any] = {}
    for name, setting in _OPTIONS.items():
        if name == "environment":
            properties["worker_init"] = {"type": "string", "description": "Shell lines run before workers start."}
        else:
            schema = setting.type.schema()
            properties[name] = {**schema, "description": setting.help}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "chiltepin endpoint options",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
