"""Running a Parsl helper module as ``__main__``, and the forkserver its pool forks helpers from."""

from __future__ import annotations

import multiprocessing
import sys
import traceback
from typing import Any


def start_forkserver() -> Any:
    """Start the forkserver (it preloads the pool module) and return its context."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([f"{__package__}.preload"])
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


def run_as_main(module: str) -> int:
    """Run ``module`` as ``__main__`` (already imported, on purpose); its exit status as the
    interpreter would give it: 0, the ``sys.exit`` code, or 1 after printing an uncaught error."""
    import runpy
    import warnings

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
        traceback.print_exc()
        return 1
    return 0
