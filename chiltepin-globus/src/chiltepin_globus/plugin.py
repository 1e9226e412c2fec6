"""Hook implementations of chiltepin-globus (entry point ``globus``).

The records are built from light modules only; the Globus SDKs are imported when a record is
used (an executor built, a transfer run, a command run), so loading plugins stays cheap.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chiltepin.plugins import ExecutorBackend, ResolvedResource, Subcommand, TransferProvider, hookimpl

from .settings import COMPUTE_SETTINGS, TRANSFER_ENDPOINT_SETTINGS

if TYPE_CHECKING:
    from parsl.providers.base import ExecutionProvider

    from .compute import ChiltepinComputeExecutor
    from .transfer import GlobusTransferer


def _build_executor(resource: ResolvedResource, provider: ExecutionProvider | None) -> ChiltepinComputeExecutor:
    from .compute import build_executor

    return build_executor(resource, provider)


def _build_transferer() -> GlobusTransferer:
    from .transfer import GlobusTransferer

    return GlobusTransferer()


COMPUTE_BACKEND = ExecutorBackend(
    name="globus-compute", build=_build_executor, settings=COMPUTE_SETTINGS, selected_by="endpoint",
    needs_provider=False,
    description="Run tasks on a remote Globus Compute endpoint; the other keys are sent to the endpoint's "
                "configuration template (written by `chiltepin endpoint configure`).")

TRANSFER_PROVIDER = TransferProvider(
    name="globus", build=_build_transferer, settings=TRANSFER_ENDPOINT_SETTINGS, resolves_names=True,
    description="Globus Transfer between collections named by display name or UUID (log in with "
                "`chiltepin login`).")


@hookimpl
def chiltepin_executor_backends() -> list[ExecutorBackend]:
    return [COMPUTE_BACKEND]


@hookimpl
def chiltepin_transfer_providers() -> list[TransferProvider]:
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

    from .settings import split_task_geometry

    options, rest = split_task_geometry(geometry, f"{resource.name}: chiltepin_task_geometry")
    spec: dict[str, Any] = {}
    if rest:
        spec = get_plugin_manager().translate_geometry(rest, resource, after=sys.modules[__name__])
    if options:
        spec["user_endpoint_config"] = options
    return spec
