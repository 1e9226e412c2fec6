"""Start Parsl's worker pool for an MPI block, with the pool's backlog of MPI tasks fixed.

The pool's ``MPITaskScheduler`` keeps tasks whose nodes are not free in a backlog. When a task
finishes, Parsl (up to at least 2026.10) retries the backlog recursively and, once a backlogged
task still does not fit, retries it forever: the manager dies of a RecursionError and the
results are lost (Parsl PR #3800). Here the backlog is retried once per finished task: what fits
now is placed, the rest waits for the next one. Nothing else changes; the pool is Parsl's, run
unchanged as ``__main__``.

Run as ``python -m chiltepin_mpi.worker_pool [--fork-server] <process_worker_pool arguments>``;
``--fork-server`` starts it through core's faster local pool starter
(:mod:`chiltepin.worker_pool`), as core does for ``localhost`` blocks.
"""

from __future__ import annotations

import queue
import runpy
import sys
from typing import Any

from chiltepin.worker_pool import POOL_MODULE

FORK_SERVER = "--fork-server"


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


def patch_scheduler() -> None:
    from parsl.executors.high_throughput.mpi_resource_management import MPITaskScheduler

    MPITaskScheduler._schedule_backlog_tasks = schedule_backlog_tasks  # type: ignore[method-assign]


def main() -> None:
    patch_scheduler()
    if len(sys.argv) > 1 and sys.argv[1] == FORK_SERVER:
        del sys.argv[1]
        from chiltepin import worker_pool

        worker_pool.main()
    else:
        runpy.run_module(POOL_MODULE, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
