"""The ``threads`` executor backend: Parsl's ThreadPoolExecutor inside the workflow process.

For light tasks that wait on I/O (transfers, polling) where starting worker processes is not
worth it; tasks share the workflow's interpreter and its GIL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...settings import Int, Setting
from ..records import ExecutorBackend, ResolvedResource

if TYPE_CHECKING:
    from parsl.executors import ThreadPoolExecutor
    from parsl.providers.base import ExecutionProvider


def _build(resource: ResolvedResource, provider: ExecutionProvider | None) -> ThreadPoolExecutor:
    from parsl.executors import ThreadPoolExecutor

    return ThreadPoolExecutor(label=resource.name, max_threads=resource.get("max_threads"))


THREADS_BACKEND = ExecutorBackend(
    name="threads", build=_build, needs_provider=False,
    settings=(Setting("max_threads", Int(minimum=1), 2, "Threads running tasks at once."),),
    description="Parsl's ThreadPoolExecutor: tasks run in threads of the workflow process.")
