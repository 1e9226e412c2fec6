"""Running a Parsl helper module as ``__main__``, and the forkserver its pool forks helpers from."""

from __future__ import annotations

import functools
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any


def start_forkserver() -> Any:
    """Start the forkserver the pool forks its helpers from, and return its context.

    Call it once the pool module is imported and before any thread starts: the forkserver is a
    fork of this process, so it and every helper it forks have Parsl loaded already, instead of
    the fresh interpreter multiprocessing would start (and have import Parsl once more).
    """
    import multiprocessing  # here, not above: a feed imports this module and must start at once
    from multiprocessing import forkserver, util

    # Each forked helper re-runs the pool module as __mp_main__; runpy warns that it is imported.
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="runpy")
    context = multiprocessing.get_context("forkserver")
    spawn = util.spawnv_passfds
    util.spawnv_passfds = functools.partial(_fork_passfds, spawn)
    try:
        forkserver.ensure_running()
    finally:
        util.spawnv_passfds = spawn
    return context


def _fork_passfds(spawn: Callable[..., int], path: str, args: Sequence[str], passfds: Sequence[int]) -> int:
    """``multiprocessing.util.spawnv_passfds`` for the forkserver (``python -c CODE``, only
    ``passfds`` left open; CPython 3.10-3.13), run in a fork of this process instead."""
    if len(args) < 2 or args[-2] != "-c":  # not the command this expects: start it as multiprocessing would
        return spawn(path, args, passfds)
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        keep = {0, 1, 2, *passfds}
        for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:  # the directory's own descriptor, already gone
                    pass
        exec(args[-1], {"__name__": "__forkserver__"})
        status = 0
    except SystemExit as exit_:  # the forkserver's end once its last client has gone
        status = exit_.code if isinstance(exit_.code, int) else 0
    finally:
        os._exit(status)


def run_as_main(module: str) -> int:
    """Run ``module`` as ``__main__`` (already imported, on purpose); its exit status as the
    interpreter would give it: 0, the ``sys.exit`` code, or 1 after printing an uncaught error."""
    import runpy

    # run_module warns because the module was imported ahead of time.
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="runpy")
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        code = exit_.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return 1
    except BaseException:
        import traceback

        traceback.print_exc()
        return 1
    return 0
