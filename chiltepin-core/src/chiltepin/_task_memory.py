"""What a task holds in the workflow process, while it is pending and once it has finished.

Pending: Parsl hands each submitted task to its launch thread through a ThreadPoolExecutor, which
makes a Future (with its own condition variable) per launch; every AppFuture, and the Future an
HTEX makes for each task it sends, has a ``threading.Condition`` (a lock, a deque and five bound
methods, about 0.9 KiB). All are held for every task of a burst of submissions that runs ahead of
the workers, and the allocator keeps the pages of that peak once it has passed (CPython returns a
small-object arena only when it is empty, and the futures users keep are spread over all of
them). :func:`lighten_kernel` gives a DataFlowKernel a launch queue without a Future per task,
and these futures a :class:`FutureCondition` of a tenth of the size.

Finished: a Parsl ``AppFuture`` keeps its whole task record after it finishes: the function,
arguments, keyword arguments and Parsl's bookkeeping, plus the callbacks of tasks that depended on
it (about 5.7 KiB per task). :func:`keep_only_what_users_read` gives a finished future a slotted
record of the few fields ``AppFuture`` reads instead, and lets go of its callback list and its
own update lock; Parsl's own records are not touched (the kernel drops them as it finishes the
task).

Both reach into Parsl 2026.10.26 and CPython 3.10-3.13 internals, named where used; each is
checked before it is applied and skipped (Parsl then runs unchanged) where they differ.
"""

from __future__ import annotations

import inspect
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from types import MappingProxyType
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Future)

#: What ``AppFuture`` reads from its task record once finished (Parsl 2026.10.26:
#: ``tid``, ``task_status()``, ``stdout``/``stderr`` through ``kwargs``, ``dfk`` for ``fut[key]``).
KEPT = ("id", "func_name", "status", "dfk")
OUTPUT_FILES = ("stdout", "stderr")
_NO_OUTPUT_FILES: Any = MappingProxyType({})
_CONDITION = type(threading.Condition())
_LOCK = type(threading.Lock())
#: ``DataFlowKernel._add_output_deps``, which ``submit`` calls with the new AppFuture before any
#: other thread can reach it (Parsl 2026.10.26).
_OUTPUT_DEPS_PARAMETERS = ["executor", "args", "kwargs", "app_fut", "func"]


class FutureCondition:
    """The condition variable of a task future: what ``concurrent.futures.Future`` uses of a
    ``threading.Condition`` (``with``, ``acquire``/``release``, ``wait``, ``notify_all``; CPython
    3.10-3.13), over a re-entrant lock, with a list of waiters made only once a thread waits."""

    __slots__ = ("_lock", "_waiters")

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._waiters: list[Any] | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def wait(self, timeout: float | None = None) -> bool:
        """Let go of the lock (however many times this thread holds it) until notified or until
        ``timeout`` seconds have passed, then take it back; whether it was notified."""
        if not self._lock._is_owned():  # type: ignore[attr-defined]
            raise RuntimeError("cannot wait on un-acquired lock")
        waiter = threading.Lock()
        waiter.acquire()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        saved = self._lock._release_save()  # type: ignore[attr-defined]
        notified = False
        try:
            if timeout is None:
                notified = waiter.acquire()
            elif timeout > 0:
                notified = waiter.acquire(True, timeout)
            else:
                notified = waiter.acquire(False)
            return notified
        finally:
            self._lock._acquire_restore(saved)  # type: ignore[attr-defined]
            if not notified and self._waiters is not None:
                try:
                    self._waiters.remove(waiter)
                except ValueError:  # notified after the timeout, before the lock was back
                    pass

    def notify_all(self) -> None:
        """Wake every waiting thread; the caller holds the lock."""
        if not self._lock._is_owned():  # type: ignore[attr-defined]
            raise RuntimeError("cannot notify on un-acquired lock")
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            waiter.release()


class LaunchQueue:
    """Parsl's task launch thread fed by a queue of calls, without a Future per call: the only
    callers, ``DataFlowKernel.launch_if_ready`` and its ``cleanup`` (Parsl 2026.10.26), never read
    the Future of ``submit`` and call ``shutdown()``. The calls run in order on one thread, as in
    Parsl's one-worker pool; an exception ends its call only (Parsl's launch function logs it)."""

    def __init__(self, name: str = "Task-Launch") -> None:
        self._calls: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.SimpleQueue()
        self._closing = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        """Queue ``fn(*args)``; after :meth:`shutdown`, raises RuntimeError as Parsl's pool does."""
        with self._closing:
            if self._closed:
                raise RuntimeError("cannot schedule new task launches after shutdown")
            self._calls.put((fn, args))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Refuse new calls; with ``wait``, return once the queued ones have run."""
        with self._closing:
            if not self._closed:
                self._closed = True
                self._calls.put(None)
        if wait and threading.current_thread() is not self._thread:
            self._thread.join()

    def _run(self) -> None:
        while (call := self._calls.get()) is not None:
            fn, args = call
            try:
                fn(*args)
            except Exception:
                logger.debug("task launch call %r failed", fn, exc_info=True)


class _InFlight(dict):  # type: ignore[type-arg]
    """An HTEX's table of its tasks' futures that gives each Future a :class:`FutureCondition` as
    it is added: ``HighThroughputExecutor.submit_payload`` adds the future it has just made before
    it sends the task, so no other thread can be using it yet (Parsl 2026.10.26)."""

    __slots__ = ()

    def __setitem__(self, task_id: Any, future: Any) -> None:
        _give_small_condition(future)
        dict.__setitem__(self, task_id, future)


def _give_small_condition(future: Any) -> None:
    """Swap a future's ``threading.Condition`` for a :class:`FutureCondition`; only for a future
    no other thread can reach yet."""
    if type(getattr(future, "_condition", None)) is _CONDITION:
        future._condition = FutureCondition()


def lighten_kernel(dfk: Any) -> None:
    """Give a just-loaded DataFlowKernel a :class:`LaunchQueue`, and each AppFuture it makes and
    each Future its HTEX executors make a :class:`FutureCondition` (each only where this Parsl
    has what it replaces)."""
    from parsl.executors import HighThroughputExecutor

    pool: Any = getattr(dfk, "_task_launch_pool", None)
    if callable(getattr(pool, "submit", None)) and callable(getattr(pool, "shutdown", None)):
        dfk._task_launch_pool = LaunchQueue()
        pool.shutdown(wait=True)  # no task was submitted yet: it has no thread to wait for
    if not all(hasattr(threading.RLock(), name) for name in ("_is_owned", "_release_save", "_acquire_restore")):
        return
    for executor in getattr(dfk, "executors", {}).values():
        if isinstance(executor, HighThroughputExecutor) and type(getattr(executor, "_tasks", None)) is dict:
            executor._tasks = _InFlight(executor._tasks)
    original = getattr(dfk, "_add_output_deps", None)
    if original is None or list(inspect.signature(original).parameters) != _OUTPUT_DEPS_PARAMETERS:
        return

    def add_output_deps(executor: str, args: Any, kwargs: Any, app_fut: Any, func: Callable[..., Any]) -> Any:
        _give_small_condition(app_fut)
        return original(executor, args, kwargs, app_fut, func)

    dfk._add_output_deps = add_output_deps


def keep_only_what_users_read(future: F) -> F:
    """Arrange for ``future`` to let go of its task's inputs once it finishes; returns it."""
    if hasattr(future, "task_record"):
        future.add_done_callback(_lighten)
    return future


class FinishedRecord(Mapping[str, Any]):
    """The task record a finished future keeps, read as Parsl's record is (a mapping): the fields
    of :data:`KEPT` the record had, and ``kwargs`` with only the output file names. Slotted: about
    a third of the size of a dict of the same fields."""

    __slots__ = (*KEPT, "kwargs")

    def __init__(self, record: Mapping[str, Any]) -> None:
        for key in KEPT:
            if key in record:
                setattr(self, key, record[key])
        kwargs = record.get("kwargs") or {}
        self.kwargs = {k: kwargs[k] for k in OUTPUT_FILES if k in kwargs} or _NO_OUTPUT_FILES

    def __getitem__(self, key: str) -> Any:
        if key in self.__slots__:
            try:
                return getattr(self, key)
            except AttributeError:  # a field this record did not have
                pass
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (key for key in self.__slots__ if hasattr(self, key))

    def __len__(self) -> int:
        return sum(1 for _ in self)


#: The update lock of every finished AppFuture: Parsl takes a future's own ``_update_lock`` only
#: to set its result or exception (``DataFlowKernel._complete_task_*``, Parsl 2026.10.26), once.
_FINISHED_UPDATE_LOCK = threading.Lock()
_NO_CALLBACKS: tuple[Any, ...] = ()


def _lighten(future: Any) -> None:
    future.task_record = FinishedRecord(future.task_record)
    if not future.done():
        return
    # Callbacks still being invoked keep running: this replaces the list, it does not empty it;
    # a finished Future calls a callback added later at once instead of listing it.
    future._done_callbacks = _NO_CALLBACKS
    if type(getattr(future, "_update_lock", None)) is _LOCK:
        future._update_lock = _FINISHED_UPDATE_LOCK
    # A finished Future only enters its condition to read its state (CPython 3.10-3.13
    # concurrent.futures: result(), exception(), add_done_callback(), wait()); never waits on it,
    # so its lock alone will do (a thread still inside a FutureCondition holds that same lock).
    # Each keeps its own: wait() takes the locks of all its futures in one order, which a shared
    # lock would break.
    condition = future._condition
    if type(condition) is FutureCondition:
        future._condition = condition._lock
    elif type(condition) is _CONDITION:
        future._condition = threading.RLock()
