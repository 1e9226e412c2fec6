"""What start-up knows about Parsl's internals: module names, and the patches it applies.

Each patch is guarded: when a Parsl release no longer has what it patches, the patch is skipped
and Parsl runs unchanged (slower, never broken). Written against Parsl 2026.10.26.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Collection
from types import ModuleType
from typing import Any

#: Parsl's HTEX interchange, run as ``__main__`` with its pickled configuration on stdin.
INTERCHANGE_MODULE = "parsl.executors.high_throughput.interchange"
#: Parsl's HTEX worker pool, run as ``__main__`` with the block's arguments.
POOL_MODULE = "parsl.executors.high_throughput.process_worker_pool"
#: The program of Parsl's default pool launch command (a script on PATH).
POOL_SCRIPT = "process_worker_pool.py"

#: Optional packages that Parsl imports eagerly when they are installed (Parsl 2026.10.26), with
#: what needs them: ``globus_compute_sdk`` (parsl/executors/__init__.py imports
#: GlobusComputeExecutor; about 0.45 s) only Globus Compute executors, ``sqlalchemy``
#: (parsl.monitoring.db_manager; about 0.1 s) only the monitoring database. Helper processes never
#: use them; the workflow process imports them only when one of its workflows does.
GLOBUS_COMPUTE = "globus_compute_sdk"
MONITORING_DB = "sqlalchemy"
OPTIONAL_IMPORTS = (GLOBUS_COMPUTE, MONITORING_DB)

#: Packages whose ``__init__`` a helper module does without. Parsl's import the DataFlowKernel,
#: every executor and provider (Parsl 2026.10.26), while the interchange imports only submodules
#: by their full names; without them it imports in half the time. Never used where tasks run.
BARE_PACKAGES: dict[str, tuple[str, ...]] = {INTERCHANGE_MODULE: ("parsl", "parsl.executors")}


def import_lean(module: str, masked: tuple[str, ...] = OPTIONAL_IMPORTS, bare: tuple[str, ...] | None = None
                ) -> ModuleType:
    """Import ``module`` (a Parsl module) with the packages ``masked`` made unimportable (they are
    importable again afterwards: tasks may use them) and the packages ``bare`` (by default
    ``module``'s in :data:`BARE_PACKAGES`) present without running their ``__init__``; if that
    fails, ``module`` is imported the ordinary way."""
    masked = tuple(name for name in masked if name not in sys.modules)
    bare = tuple(name for name in (BARE_PACKAGES.get(module, ()) if bare is None else bare) if name not in sys.modules)
    for name in masked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        if bare:
            before = set(sys.modules)
            for name in bare:
                _add_bare_package(name)
            try:
                return importlib.import_module(module)
            except Exception:  # a Parsl that needs its package's __init__ here: import it fully
                for name in set(sys.modules) - before:
                    del sys.modules[name]
        return importlib.import_module(module)
    finally:
        for name in masked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


def _add_bare_package(name: str) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not a package")
    package = importlib.util.module_from_spec(spec)  # its __init__ is not run
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, package)


def import_parsl(needed: Collection[str]) -> None:
    """Import Parsl in the workflow process without the optional packages of
    :data:`OPTIONAL_IMPORTS` that are not ``needed``; the ones needed now but masked by an earlier
    workflow of this process are restored in Parsl's modules."""
    if "parsl" not in sys.modules:
        import_lean("parsl", tuple(name for name in OPTIONAL_IMPORTS if name not in needed))
    if GLOBUS_COMPUTE in needed:
        _restore_globus_compute()
    if MONITORING_DB in needed:
        _restore_monitoring_db()


def _restore_globus_compute() -> None:
    # parsl/executors/globus_compute.py: ``from globus_compute_sdk import Executor`` in a
    # try/except that sets ``_globus_compute_enabled``; its functions read both as globals.
    module = sys.modules.get("parsl.executors.globus_compute")
    if module is None or getattr(module, "_globus_compute_enabled", True):
        return
    if importlib.util.find_spec(GLOBUS_COMPUTE) is None:
        return
    from globus_compute_sdk import Executor

    module.Executor = Executor  # type: ignore[attr-defined]
    module._globus_compute_enabled = True  # type: ignore[attr-defined]


def _restore_monitoring_db() -> None:
    # parsl/monitoring/monitoring.py: ``from parsl.monitoring.db_manager import dbm_starter`` in a
    # try/except that keeps the error (OptionalModuleMissing without sqlalchemy) in
    # ``_db_manager_excepts``, which MonitoringHub raises.
    module = sys.modules.get("parsl.monitoring.monitoring")
    if module is None or getattr(module, "_db_manager_excepts", None) is None:
        return
    if importlib.util.find_spec(MONITORING_DB) is None:
        return
    try:
        from parsl.monitoring.db_manager import dbm_starter
    except Exception:  # broken for another reason: MonitoringHub raises the error it kept
        return

    module.dbm_starter = dbm_starter  # type: ignore[attr-defined]
    module._db_manager_excepts = None  # type: ignore[attr-defined]


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


def launch_initial_blocks_at_start(executor: Any) -> bool:
    """Make ``executor`` launch its provider's initial blocks as soon as it has started, instead
    of at the scaling strategy's next pass (up to ``strategy_period`` later). Returns whether it
    applied.

    Parsl launches ``provider.init_blocks`` blocks in the strategy's first pass over an executor
    (Parsl 2026.10.26, parsl/jobs/strategy.py); with ``init_blocks`` set to 0 that pass launches
    none, and the executor's ``start`` launches them once its interchange is up.
    """
    provider = getattr(executor, "provider", None)
    blocks = getattr(provider, "init_blocks", 0)
    if provider is None or not blocks or not callable(getattr(executor, "scale_out_facade", None)):
        return False
    start = executor.start

    def start_and_launch() -> None:
        start()
        executor.scale_out_facade(blocks)  # it records a failed launch as a failed block itself

    provider.init_blocks = 0
    executor.start = start_and_launch
    return True

