"""Start a worker pool with its helper processes forked from a forkserver that has the pool loaded.

Parsl's pool starts its task-tracking manager and every worker through the ``spawn`` start
method, so each of them imports Parsl afresh (about 0.45 s each, one after the other). Here the
pool module is imported first, then a forkserver is forked from this process
(:func:`.running.start_forkserver`), and the pool is told to use it: helpers then start in
milliseconds, and nothing imports Parsl twice.

Run as ``python -m chiltepin._startup.pool [--standby SOCKET] [--module MODULE] ARGS...``: runs
``MODULE`` (default: Parsl's pool; a plugin's wrapper around it, such as chiltepin-mpi's, also
works) unchanged as ``__main__`` with ``ARGS``. With ``--standby``, the pool that the workflow
started ahead of time (:mod:`.handoff`) takes over when it is still waiting, so the block does
not pay for the imports. Core writes these commands (:meth:`.standby.Startup.apply`).
"""

from __future__ import annotations

import sys

from .handoff import feed
from .parsl_glue import POOL_MODULE, import_lean, use_start_context
from .running import run_as_main, start_forkserver

STANDBY = "--standby"
MODULE = "--module"


def run(module: str = POOL_MODULE) -> int:
    """Run ``module`` as ``__main__`` with the pool's helpers forked; its exit status."""
    import_lean(POOL_MODULE)
    use_start_context(start_forkserver())
    return run_as_main(module)


def main(argv: list[str]) -> int:
    standby = module = None
    while argv and argv[0] in (STANDBY, MODULE):
        if argv[0] == STANDBY:
            standby = argv[1]
        else:
            module = argv[1]
        argv = argv[2:]
    if standby is not None and module in (None, POOL_MODULE):
        code = feed(standby, argv=argv, pass_process=True, wait_for_socket=0)
        if code is not None:
            return code
    sys.argv = [sys.argv[0], *argv]  # nobody waiting: start the pool here
    return run(module or POOL_MODULE)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
