"""What start-up knows about Parsl's internals: module names, and the patches it applies.

Each patch is guarded: when a Parsl release no longer has what it patches, the patch is skipped
and Parsl runs unchanged (slower, never broken). Written against Parsl 2026.10.26.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

#: Parsl's HTEX interchange, run as ``__main__`` with its pickled configuration on stdin.
INTERCHANGE_MODULE = "parsl.executors.high_throughput.interchange"
#: Parsl's HTEX worker pool, run as ``__main__`` with the block's arguments.
POOL_MODULE = "parsl.executors.high_throughput.process_worker_pool"
#: The program of Parsl's default pool launch command (a script on PATH).
POOL_SCRIPT = "process_worker_pool.py"

#: Optional SDKs that ``parsl.executors`` imports eagerly when installed and that the interchange
#: and worker pool never use: ``globus_compute_sdk`` costs about 0.45 s in every such process
#: (parsl/executors/__init__.py imports GlobusComputeExecutor, Parsl 2026.10.26).
UNUSED_BY_HELPERS = ("globus_compute_sdk",)


def import_lean(module: str) -> ModuleType:
    """Import ``module`` (a Parsl module) with the SDKs of ``UNUSED_BY_HELPERS`` masked; they are
    importable again afterwards (tasks may use them)."""
    masked = [name for name in UNUSED_BY_HELPERS if name not in sys.modules]
    for name in masked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        return importlib.import_module(module)
    finally:
        for name in masked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


def use_start_context(context: Any) -> bool:
    """Make the worker pool start its helper processes (task-tracking manager, workers) from
    ``context`` instead of a fresh ``spawn`` interpreter each.

    Parsl's pool module does ``from parsl.multiprocessing import SpawnContext`` when it runs as
    ``__main__`` (Parsl 2026.10.26), so this must precede running it. Returns whether it applied.
    """
    import parsl.multiprocessing

    if not hasattr(parsl.multiprocessing, "SpawnContext"):
        return False
    parsl.multiprocessing.SpawnContext = context
    return True
