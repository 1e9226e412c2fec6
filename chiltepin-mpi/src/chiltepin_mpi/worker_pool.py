"""Start Parsl's worker pool for an MPI block, with the pool's backlog of MPI tasks fixed.

The pool's ``MPITaskScheduler`` keeps tasks whose nodes are not free in a backlog. When a task
finishes, Parsl (up to at least 2026.10.26) retries the backlog recursively and, once a
backlogged task still does not fit, retries it forever: the manager dies of a RecursionError
and the results are lost (Parsl PR #3800). Here the backlog is retried once per finished task:
what fits now is placed, the rest waits for the next one. Nothing else changes; the pool is
Parsl's, run unchanged as ``__main__``.

Run as ``python -m chiltepin_mpi.worker_pool <process_worker_pool arguments>`` (core starts
local blocks' pools through its faster starter, which runs this module unchanged).
"""

from __future__ import annotations

import queue
import runpy
from typing import Any


def schedule_backlog_tasks(scheduler: Any) -> None:
    """Place every backlogged task that fits now, smallest first; the others stay backlogged."""
    waiting = []
    while True:
        try:
            waiting.append(scheduler._backlog_queue.get(block=False))
        except queue.Empty:
            break
    for entry in waiting:
        scheduler.put_task(entry.task)  # back into the backlog if its nodes are still taken


def patch_scheduler() -> bool:
    """Replace ``MPITaskScheduler._schedule_backlog_tasks`` (Parsl PR #3800); returns whether it
    applied: a Parsl whose scheduler lacks the method or the backlog queue runs unchanged."""
    from parsl.executors.high_throughput.mpi_resource_management import MPITaskScheduler

    if not hasattr(MPITaskScheduler, "_schedule_backlog_tasks") or not hasattr(MPITaskScheduler, "put_task"):
        return False
    MPITaskScheduler._schedule_backlog_tasks = schedule_backlog_tasks  # type: ignore[method-assign]
    return True


def main() -> None:
    patch_scheduler()
    from parsl.executors.high_throughput import process_worker_pool

    runpy.run_module(process_worker_pool.__name__, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
