"""A :class:`concurrent.futures.Executor` whose calls run as tasks of a chiltepin workflow."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from concurrent.futures import wait as wait_for
from itertools import islice
from typing import Any

from .config.document import ConfigSource
from .tasks import ExecutorChoice, PythonTask, _executor_key, _Task


def _run_chunk(fn: Callable[..., Any], chunk: list[tuple[Any, ...]]) -> list[Any]:
    return [fn(*args) for args in chunk]


def _chunks(iterables: tuple[Iterable[Any], ...], size: int) -> Iterator[list[tuple[Any, ...]]]:
    items = zip(*iterables, strict=False)
    while chunk := list(islice(items, size)):
        yield chunk


class PoolExecutor(Executor):
    """Run plain (undecorated) functions on a workflow's resources, as a standard executor.

    With ``config`` (a YAML path or mapping, as for :class:`~chiltepin.Workflow`) the pool starts its
    own workflow with ``workflow_options`` and stops it on :meth:`shutdown`. Without one it uses the
    running workflow and leaves it running, or, if none runs, starts one on the built-in ``local``
    resource. ``executor`` picks the resource(s) for every call (default: any).

    Futures are :class:`concurrent.futures.Future` objects: they work with ``as_completed``, ``wait``
    and as arguments of tasks. Parsl cannot recall a task from its worker: :meth:`Future.cancel`
    (and ``shutdown(cancel_futures=True)``) succeeds until the result arrives and drops it, but the
    call may still run, unless the pool owns its workflow, whose shutdown stops the workers.
    """

    def __init__(self, config: ConfigSource = None, *, executor: ExecutorChoice = None, **workflow_options: Any):
        from .workflow import Workflow, active_workflow

        running = active_workflow()
        if config is None and running is not None:
            if workflow_options:
                raise TypeError(f"PoolExecutor: workflow options ({', '.join(workflow_options)}) apply only to a "
                                f"workflow the pool starts; one is running already (run {running.run_id})")
            self.workflow, self._owns_workflow = running, False
        else:
            self.workflow, self._owns_workflow = Workflow(config, **workflow_options).start(), True
        try:
            self._executor = None if executor is None else list(_executor_key(executor, "PoolExecutor"))
        except Exception:
            self._stop_workflow()
            raise
        self._tasks: dict[Callable[..., Any], PythonTask] = {}
        self._pending: set[Future] = set()
        self._lock = threading.Lock()
        self._shutdown = False

    def _task(self, fn: Callable[..., Any]) -> PythonTask:
        task = self._tasks.get(fn)
        if task is None:
            if isinstance(fn, _Task):
                raise TypeError(f"PoolExecutor runs plain functions; {fn!r} is a chiltepin task: call it directly")
            if not callable(fn):
                raise TypeError(f"PoolExecutor: {fn!r} is not callable")
            task = self._tasks[fn] = PythonTask(fn)
        return task

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` as a task; returns its future."""
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            task = self._task(fn)
            if self._executor is not None:
                kwargs["executor"] = self._executor
            app_future = task(*args, **kwargs)
            future: Future = Future()
            self._pending.add(future)
        app_future.add_done_callback(lambda f: self._deliver(future, f))
        return future

    def _deliver(self, future: Future, app_future: Future) -> None:
        self._pending.discard(future)
        if future.set_running_or_notify_cancel():
            exc = app_future.exception()
            if exc is None:
                future.set_result(app_future.result())
            else:
                future.set_exception(exc)

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any], timeout: float | None = None,
            chunksize: int = 1) -> Iterator[Any]:
        """Like the builtin ``map``, every call submitted at once; results in order. ``timeout`` (seconds
        from this call) raises TimeoutError when a result is not there in time; ``chunksize`` runs
        that many calls per task."""
        if chunksize < 1:
            raise ValueError(f"PoolExecutor.map: chunksize must be >= 1, got {chunksize}")
        deadline = None if timeout is None else time.monotonic() + timeout
        if chunksize == 1:
            futures = [self.submit(fn, *args) for args in zip(*iterables, strict=False)]
        else:
            futures = [self.submit(_run_chunk, fn, chunk) for chunk in _chunks(iterables, chunksize)]

        def results() -> Iterator[Any]:
            try:
                futures.reverse()
                while futures:
                    future = futures.pop()
                    value = future.result(None if deadline is None else deadline - time.monotonic())
                    if chunksize == 1:
                        yield value
                    else:
                        yield from value
            finally:
                for future in futures:
                    future.cancel()

        return results()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No new calls; ``cancel_futures`` cancels every call whose result has not arrived; ``wait``
        waits for the others. A workflow the pool started stops (after the wait, if any)."""
        with self._lock:
            already, self._shutdown = self._shutdown, True
            pending = list(self._pending)
        if already:
            return
        if cancel_futures:
            for future in pending:
                future.cancel()
        if wait:
            wait_for(pending)
            self._stop_workflow()
        elif self._owns_workflow:
            threading.Thread(target=self._stop_when_done, args=(pending,), name="chiltepin-pool-shutdown").start()

    def _stop_when_done(self, pending: list[Future]) -> None:
        wait_for(pending)
        self._stop_workflow()

    def _stop_workflow(self) -> None:
        if self._owns_workflow:
            self.workflow.cleanup()
