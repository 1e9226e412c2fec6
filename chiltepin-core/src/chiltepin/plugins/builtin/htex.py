"""The ``htex`` executor backend: Parsl's HighThroughputExecutor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..common import HTEX_SETTINGS, htex_kwargs
from ..records import ExecutorBackend, ResolvedResource

if TYPE_CHECKING:
    from parsl.executors import HighThroughputExecutor
    from parsl.providers.base import ExecutionProvider


def _build(resource: ResolvedResource, provider: ExecutionProvider | None) -> HighThroughputExecutor:
    from parsl.executors import HighThroughputExecutor

    return HighThroughputExecutor(
        provider=provider, cores_per_worker=resource.get("cores_per_worker"),
        max_workers_per_node=resource.get("max_workers_per_node"), mem_per_worker=resource.get("mem_per_worker"),
        cpu_affinity=resource.get("cpu_affinity"),
        available_accelerators=resource.get("available_accelerators") or (), **htex_kwargs(resource))


HTEX_BACKEND = ExecutorBackend(
    name="htex", build=_build, settings=HTEX_SETTINGS,
    description="Parsl's HighThroughputExecutor: pilot workers in blocks from the resource's provider.")
