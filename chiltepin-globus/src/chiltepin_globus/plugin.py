"""Hook implementations of chiltepin-globus (entry point ``globus``)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from chiltepin.plugins import ExecutorBackend, ResolvedResource, Subcommand, TransferProvider, hookimpl


@hookimpl
def chiltepin_executor_backends() -> list[ExecutorBackend]:
    from .compute import COMPUTE_BACKEND

    return [COMPUTE_BACKEND]


@hookimpl
def chiltepin_transfer_providers() -> list[TransferProvider]:
    from .transfer import TRANSFER_PROVIDER

    return [TRANSFER_PROVIDER]


@hookimpl
def chiltepin_subcommands() -> list[Subcommand]:
    from .cli import SUBCOMMANDS

    return SUBCOMMANDS


@hookimpl(tryfirst=True)
def chiltepin_translate_geometry(geometry: Mapping[str, Any],
                                 resource: ResolvedResource | None) -> dict[str, Any] | None:
    """For a ``globus-compute`` resource: endpoint options in the geometry (and its
    ``user_endpoint_config``) are checked and kept aside; the rest (MPI geometry) goes to the
    other translators (chiltepin-mpi's, if installed)."""
    if resource is None or resource.backend != "globus-compute":
        return None
    from chiltepin.plugins import get_plugin_manager

    from .compute import split_task_geometry

    options, rest = split_task_geometry(geometry, f"{resource.name}: chiltepin_task_geometry")
    spec: dict[str, Any] = {}
    if rest:
        others = get_plugin_manager().pluggy.subset_hook_caller("chiltepin_translate_geometry",
                                                               remove_plugins=[sys.modules[__name__]])
        spec = others(geometry=rest, resource=resource) or dict(rest)
    if options:
        spec["user_endpoint_config"] = options
    return spec
