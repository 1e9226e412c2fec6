"""Start Parsl's worker pool with its helper processes forked from a preloaded forkserver.

Parsl's pool starts its task-tracking server and every worker through the ``spawn`` start
method, so each of them imports Parsl afresh (about 0.45 s each, one after the other). Here a
forkserver that has already imported the pool module (see :mod:`chiltepin._pool_preload`) is
started first, in parallel with the pool's own imports, and Parsl is told to use it: helper
processes then start in milliseconds. The pool itself is Parsl's, run unchanged as ``__main__``.
Used for ``localhost`` resources.

Run as ``python -m chiltepin.worker_pool <process_worker_pool arguments>``; plugins whose pools
need the same start (chiltepin-mpi) call :func:`main`.
"""

from __future__ import annotations

import multiprocessing
import runpy

from ._lean import import_lean

POOL_MODULE = "parsl.executors.high_throughput.process_worker_pool"


def main() -> None:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["chiltepin._pool_preload"])
    from multiprocessing import forkserver

    forkserver.ensure_running()
    import_lean(POOL_MODULE)
    import parsl.multiprocessing

    if hasattr(parsl.multiprocessing, "SpawnContext"):
        parsl.multiprocessing.SpawnContext = context  # type: ignore[assignment]
    runpy.run_module(POOL_MODULE, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
