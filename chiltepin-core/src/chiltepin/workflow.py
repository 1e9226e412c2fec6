"""The workflow lifecycle: resolve the configuration, start Parsl, clean up fully."""

from __future__ import annotations

import atexit
import inspect
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ._runtime import parsl_kernel_loaded, state
from ._startup.standby import Startup, parsl_extras
from ._task_memory import lighten_kernel
from ._watch import Watcher, catch_signals
from .config import build_executor, load_document, resolve_all, resolve_options
from .config.document import ConfigSource
from .errors import ConfigError, WorkflowError, did_you_mean
from .plugins.manager import get_plugin_manager
from .plugins.records import ResolvedResource

logger = logging.getLogger(__name__)

_active: Workflow | None = None
_lock = threading.Lock()


class Workflow:
    """One run of a workflow: the resources of a configuration, loaded into Parsl.

    SIGTERM and SIGHUP stop a running workflow in order, as Ctrl-C does (its batch jobs are
    cancelled, its helper processes end, checkpoints are written; the process exits with status
    128 + signal); if the workflow process is killed outright, a watcher process does the same.

    ``config`` is a YAML path, a mapping or None (only the built-in ``local`` resource).
    ``include`` limits the resources loaded (``local`` is always loaded). Other keyword options
    (``retries``, ``checkpoint_mode``, ``resume``, ``strategy_period``, ...) override the
    file's ``workflow:`` block. Use it as a context manager (``exit_mode`` says what leaving the
    block does), or call :meth:`start` and :meth:`cleanup`. Only one workflow runs in a process at
    a time; :func:`chiltepin.active_workflow` returns it.
    """

    def __init__(self, config: ConfigSource = None, *, include: Sequence[str] | None = None,
                 run_dir: str | None = None, log_file: str | None = None, log_level: str | None = None,
                 **options: Any):
        self.document = load_document(config)
        self.include = include
        self._python_options = {"run_dir": run_dir, "log_file": log_file, "log_level": log_level, **options}
        self.options = resolve_options(self.document.workflow, self._python_options)
        self.resources: dict[str, ResolvedResource] = {}
        self.dfk: Any = None
        self._remove_log_handler: Any = None
        self._startup: Startup | None = None
        self._observer: Any = None
        self._retry_handler: Any = None
        self._watcher: Watcher | None = None
        self._restore_signals: Any = None
        self._on_cleanup: list[Callable[[], None]] = []

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Workflow:
        """Resolve the configuration, build the executors and load them into Parsl."""
        global _active
        with _lock:
            if self.dfk is not None:
                raise WorkflowError("this workflow is already running")
            if _active is not None:
                raise WorkflowError(f"another workflow (run {_active.run_id}) is running in this process; "
                                    f"call its cleanup() before starting a new one")
            if parsl_kernel_loaded():
                raise WorkflowError("a Parsl DataFlowKernel that chiltepin did not start is loaded in this "
                                    "process; clean it up (parsl.dfk().cleanup()) before starting a workflow")
            manager = get_plugin_manager()
            resources = resolve_all(self.document, manager, self.include)
            self._watcher = Watcher()  # before any helper starts: they inherit its run token
            startup = Startup(self.options["run_dir"])
            startup.prepare(resources, manager.records("executor_backends"), needed=parsl_extras(resources, manager,
                                                                                          self.options))
            try:
                executors = [startup.apply(build_executor(r, manager), r) for r in resources.values()]
                for executor in executors:
                    self._watcher.track(executor)
                config = self._parsl_config(executors, resources)
                if self.options["log_file"]:
                    import parsl

                    level = getattr(logging, self.options["log_level"] or "INFO")
                    self._remove_log_handler = parsl.set_file_logger(self.options["log_file"], level=level)
                from parsl.dataflow.dflow import DataFlowKernelLoader

                self.dfk = DataFlowKernelLoader.load(config)
                lighten_kernel(self.dfk)
            except BaseException:
                startup.close(everything=True)
                self._detach_log_handler()
                self._stop_watching()
                raise
            startup.started()
            self._startup = startup
            self._restore_signals = catch_signals()
            self.resources = resources
            from .runs.observe import start_observing

            self._observer = start_observing(self.dfk, resources, self.options)
            state.activate(resources, memoize=bool(self.options["checkpoint_mode"] or self.options["resume"]),
                           options=self.options)
            _active = self
        return self

    def on_cleanup(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Have :meth:`cleanup` call ``callback()`` first, while the workers still run, so that what
        lives on this workflow (a plugin's agents) stops with it; returns what unregisters it.

        Callbacks run once, latest first, in the thread that calls :meth:`cleanup`; with
        ``exit_mode: wait`` before the wait for the submitted tasks (an agent's host task ends
        only when the agent stops).
        """
        self._on_cleanup.append(callback)

        def unregister() -> None:
            if callback in self._on_cleanup:
                self._on_cleanup.remove(callback)

        return unregister

    def cleanup(self) -> None:
        """Stop Parsl and release everything; every step is attempted even if one fails."""
        self._cleanup(self._run_cleanup_callbacks())

    def _cleanup(self, errors: list[BaseException]) -> None:
        """:meth:`cleanup` after the callbacks ran, with their ``errors``."""
        global _active
        with _lock:
            if _active is self:
                state.deactivate()
                _active = None
            dfk, self.dfk = self.dfk, None
            if dfk is not None:
                try:
                    _finish_launches(dfk)
                    dfk.cleanup()
                except Exception as exc:
                    errors.append(exc)
                finally:
                    from parsl.dataflow.dflow import DataFlowKernelLoader

                    if DataFlowKernelLoader._dfk is dfk:
                        DataFlowKernelLoader.clear()
            for step in (self._stop_observing, self._close_startup, self._detach_log_handler,
                         self._close_retry_handler, self._stop_watching):
                try:
                    step()
                except Exception as exc:
                    errors.append(exc)
        if errors:
            raise WorkflowError(f"workflow cleanup failed: {errors[0]!r}"
                                + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")) from errors[0]

    def _close_startup(self) -> None:
        startup, self._startup = self._startup, None
        if startup is not None:
            startup.close()
    def _stop_observing(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()

    def _stop_watching(self) -> None:
        restore, self._restore_signals = self._restore_signals, None
        if restore is not None:
            restore()
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()

    def _close_retry_handler(self) -> None:
        handler, self._retry_handler = self._retry_handler, None
        if handler is not None:
            handler.close()

    def _detach_log_handler(self) -> None:
        remove, self._remove_log_handler = self._remove_log_handler, None
        if remove is not None:
            remove()

    def __enter__(self) -> Workflow:
        return self.start()

    def _run_cleanup_callbacks(self) -> list[BaseException]:
        errors: list[BaseException] = []
        callbacks, self._on_cleanup = self._on_cleanup, []
        for callback in reversed(callbacks):
            try:
                callback()
            except Exception as exc:
                errors.append(exc)
        return errors

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        mode = self.options["exit_mode"]
        if mode == "skip":
            atexit.register(self._cleanup_if_running)
            return
        errors: list[BaseException] = []
        if mode == "wait" and exc_type is None and self.dfk is not None:
            errors = self._run_cleanup_callbacks()  # an agent's host task ends only when its agent stops
            self.dfk.wait_for_current_tasks()
        try:
            self._cleanup(errors + self._run_cleanup_callbacks())
        except WorkflowError:
            if exc_type is None:
                raise
            logger.exception("workflow cleanup failed while handling another error")

    def _cleanup_if_running(self) -> None:
        if self.dfk is not None:
            self.cleanup()

    # -- Parsl -----------------------------------------------------------------------------

    def _parsl_config(self, executors: list[Any], resources: dict[str, ResolvedResource]) -> Any:
        from parsl.config import Config

        from .failures import RetryHandler

        opts = self.options
        self._retry_handler = RetryHandler(resources, opts)
        kwargs: dict[str, Any] = {
            "executors": executors, "run_dir": opts["run_dir"], "retries": 0, "retry_handler": self._retry_handler,
            "strategy_period": opts["strategy_period"], "max_idletime": opts["max_idletime"],
            "usage_tracking": opts["usage_tracking"],
        }
        checkpoint: dict[str, Any] = {"checkpoint_mode": opts["checkpoint_mode"],
                                      "checkpoint_period": opts["checkpoint_period"]}
        if opts["monitoring"]:
            from .runs.observe import monitoring_hub

            kwargs["monitoring"] = monitoring_hub(opts)
        parameters = inspect.signature(Config).parameters
        if "dependency_resolver" in parameters:
            # Futures inside lists, tuples and dicts are dependencies too (``reduce(futures)``).
            from parsl.dataflow.dependency_resolvers import DEEP_DEPENDENCY_RESOLVER

            kwargs["dependency_resolver"] = DEEP_DEPENDENCY_RESOLVER
        from ._checkpoints import Memoizer, checkpoint_dirs

        kwargs["memoizer"] = Memoizer(cache_dir=os.path.join(opts["run_dir"], "cache"),
                                      checkpoint_files=checkpoint_dirs(opts["resume"], opts["run_dir"]), **checkpoint)
        return Config(**kwargs)

    # -- what a running workflow exposes -----------------------------------------------------

    def _running_dfk(self) -> Any:
        if self.dfk is None:
            raise WorkflowError("the workflow is not running; call start() or use it in a `with` block")
        return self.dfk

    @property
    def run_id(self) -> str | None:
        return self.dfk.run_id if self.dfk is not None else None

    @property
    def run_dir(self) -> str | None:
        return self.dfk.run_dir if self.dfk is not None else None

    @property
    def tasks(self) -> dict[int, Any]:
        """Parsl's task records of this run, by task id."""
        return self._running_dfk().tasks

    @property
    def executors(self) -> dict[str, Any]:
        return {k: v for k, v in self._running_dfk().executors.items() if not k.startswith("_parsl")}

    def wait_for_current_tasks(self) -> None:
        """Block until every task submitted so far has finished."""
        self._running_dfk().wait_for_current_tasks()

    def checkpoint(self) -> None:
        """Write a checkpoint of the tasks finished since the last one (checkpoint_mode 'manual',
        'periodic' or 'dfk_exit'; with 'task_exit' every task is written as it finishes)."""
        self._running_dfk().memoizer.checkpoint()

    def cancel(self) -> int:
        """Cancel every task of this run that has not started; returns how many were cancelled.

        Their futures are cancelled and their dependents fail with
        :class:`chiltepin.UpstreamTaskError` naming the cancelled task.
        """
        from .failures import cancel_all

        dfk = self._running_dfk()
        return cancel_all(record["app_fu"] for record in list(dfk.tasks.values()))

    def job_script(self, name: str) -> str:
        """The batch script a block of resource ``name`` would submit, without submitting anything
        (as dask-jobqueue's ``cluster.job_script()``); see :mod:`chiltepin.job_script` for the
        placeholders that stand for run-specific values."""
        from .job_script import job_script

        manager = get_plugin_manager()
        resources = self.resources or resolve_all(self.document, manager, [name] if name in self.document.resources
                                                  else None)
        if name not in resources:
            raise ConfigError(f"no resource named '{name}' in the configuration"
                              f"{did_you_mean(name, list(resources))}")
        return job_script(resources[name], manager, self.options["run_dir"])


def _finish_launches(dfk: Any) -> None:
    """Let Parsl hand every submitted task to its executor before the executors stop: Parsl stops
    its launch thread only after them, and a launch racing an HTEX shutdown aborts the process
    inside ZMQ (seen when a ``with`` block is left by an exception right after submitting)."""
    launcher = getattr(dfk, "_task_launch_pool", None)
    if launcher is not None:
        launcher.shutdown(wait=True)


def active_workflow() -> Workflow | None:
    """The running workflow of this process, if any."""
    return _active


def _forget_after_fork() -> None:
    """A forked child (a worker of a process pool, say) does not run its parent's workflow, so it
    may start one of its own (a chiltepin agent does)."""
    global _active
    if _active is None:
        return
    _active = None
    state.deactivate()
    dflow = sys.modules.get("parsl.dataflow.dflow")
    if dflow is not None:
        dflow.DataFlowKernelLoader.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
