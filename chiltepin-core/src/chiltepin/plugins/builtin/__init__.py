"""Core's built-in plugin: registered through the same entry-point group as every other plugin."""

from __future__ import annotations

from .. import hookimpl
from ..records import ExecutorBackend, LauncherSpec, ResourceProvider, TransferProvider
from .htex import HTEX_BACKEND
from .launchers import SIMPLE, SINGLE_NODE
from .local_transfer import LOCAL_TRANSFER
from .localhost import LOCALHOST
from .threads import THREADS_BACKEND


@hookimpl(trylast=True)
def chiltepin_resource_providers() -> list[ResourceProvider]:
    return [LOCALHOST]


@hookimpl(trylast=True)
def chiltepin_launchers() -> list[LauncherSpec]:
    return [SIMPLE, SINGLE_NODE]


@hookimpl(trylast=True)
def chiltepin_executor_backends() -> list[ExecutorBackend]:
    return [HTEX_BACKEND, THREADS_BACKEND]


@hookimpl(trylast=True)
def chiltepin_transfer_providers() -> list[TransferProvider]:
    return [LOCAL_TRANSFER]
