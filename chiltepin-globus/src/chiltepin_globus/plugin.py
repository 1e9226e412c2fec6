"""Hook implementations of chiltepin-globus (entry point ``globus``)."""

from __future__ import annotations

from chiltepin.plugins import ExecutorBackend, Subcommand, TransferProvider, hookimpl


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
