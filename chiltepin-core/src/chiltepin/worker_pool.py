"""Start Parsl's worker pool with its helper processes forked from a preloaded forkserver.

Parsl's pool starts its task-tracking server and every worker through the ``spawn`` start
method, so each of them imports Parsl afresh (about 0.45 s each, one after the other). Here a
forkserver that has already imported the pool module (see :mod:`chiltepin._pool_preload`) is
started first, in parallel with the pool's own imports, and Parsl is told to use it: helper
processes then start in milliseconds. The pool itself is Parsl's, run unchanged as ``__main__``.
Used for ``localhost`` resources.

Run as ``python -m chiltepin.worker_pool [--standby SOCKET] <process_worker_pool arguments>``;
with ``--standby`` the pool started ahead of time by the workflow (:mod:`chiltepin._prestart`)
takes over when it is still waiting, so the block does not pay for the imports. Plugins whose
pools need the same start (chiltepin-mpi) call :func:`main`.
"""

from __future__ import annotations

import multiprocessing
import runpy
import sys
from typing import Any

from ._lean import import_lean

POOL_MODULE = "parsl.executors.high_throughput.process_worker_pool"


def start_forkserver() -> Any:
    """Start the forkserver (it preloads the pool module) and return its context."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["chiltepin._pool_preload"])
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


def main() -> None:
    context = start_forkserver()
    import_lean(POOL_MODULE)
    import parsl.multiprocessing

    if hasattr(parsl.multiprocessing, "SpawnContext"):
        parsl.multiprocessing.SpawnContext = context  # type: ignore[assignment]
    runpy.run_module(POOL_MODULE, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--standby":
        from ._prestart import feed

        socket_path, arguments = sys.argv[2], sys.argv[3:]
        code = feed(socket_path, argv=arguments, pass_process=True, wait_for_socket=0)
        if code is not None:
            sys.exit(code)
        sys.argv = [sys.argv[0], *arguments]  # nobody waiting: start the pool here
    main()
