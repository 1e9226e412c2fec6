"""Faults, handled in one place: task options, retry policy, lost tasks, root causes, cancellation.

* :class:`TaskOptions` is what a decorator was given (``@python_task(retries=3, ...)``), checked
  when the function is decorated.
* ``FAILURE_SETTINGS`` are the same keys as resource settings and workflow options; a task's own
  value wins over its resource's, which wins over the workflow's (:func:`choose`).
* :class:`RetryHandler` is Parsl's ``retry_handler``: it decides, after every failed attempt,
  whether to try again (after a delay, without blocking anything), to resubmit a task lost with
  its worker or block (a separate budget), or to fail the future with an error that says why.
* :func:`cancel` stops a task that has not started (and a running one where the worker can be
  reached); :func:`cancel_all` is ``Workflow.cancel()``.

Nothing here imports Parsl at module level: decorating a function must stay cheap.
"""

from __future__ import annotations

import glob
import heapq
import inspect
import math
import os
import re
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from typing import Any

from .errors import TaskCancelled, TaskLost, TaskTimeout, UpstreamTaskError, did_you_mean
from .settings import Float, Int, Setting, SettingType, _kind


@dataclass(frozen=True)
class Delays(SettingType):
    """Seconds to wait before each retry: a number, or a non-empty list whose last value repeats."""

    def check(self, value: Any) -> Any:
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if not values:
            raise ValueError("expected a number or a non-empty list of numbers, got an empty list")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"expected a number of seconds or a list of them, got {_kind(v)} {v!r}")
            if v < 0:
                raise ValueError(f"delays must be 0 or more seconds, got {v}")
        return tuple(float(v) for v in values)

    def describe(self) -> str:
        return "seconds, a number or a list whose last value repeats (e.g. [10, 60, 300])"

    def schema(self) -> dict[str, Any]:
        number = {"type": "number", "minimum": 0}
        return {"anyOf": [number, {"type": "array", "items": number, "minItems": 1}]}


RETRIES = Setting("retries", Int(minimum=0), None, "How often a failed task is tried again before its future "
                  "fails (a task's own retries= wins, then its resource's, then the workflow's).")
RETRY_DELAY = Setting("retry_delay", Delays(), None, "Seconds to wait before each retry: a number or a list "
                      "whose last value repeats, e.g. [10, 60, 300]. Waiting blocks nothing.")
TIMEOUT = Setting("timeout", Float(above=0), None, "Seconds a task may run; then its whole process tree is "
                  "killed and its future fails with chiltepin.TaskTimeout.")

#: The failure keys every resource takes (for every task on it) and the workflow takes.
FAILURE_SETTINGS: tuple[Setting, ...] = (RETRIES, RETRY_DELAY, TIMEOUT)
LOST_TASK_RETRIES = Setting("lost_task_retries", Int(minimum=0), 2, "How often a task lost with its worker or "
                            "block (a killed node, a cancelled job) is resubmitted; does not use up retries.")

RetryOn = tuple[Any, ...] | Callable[[BaseException], bool] | None


@dataclass(frozen=True, slots=True)
class TaskOptions:
    """What a task decorator was given; None means "not set here" (the resource or workflow decides)."""

    task: str
    executor: str | tuple[str, ...] | None = None
    retries: int | None = None
    retry_delay: tuple[float, ...] | None = None
    retry_on: RetryOn = None
    timeout: float | None = None
    cache: bool = False
    bash: bool = False


#: Options each decorator accepts.
DECORATOR_OPTIONS = {
    "python_task": ("executor", "retries", "retry_delay", "retry_on", "timeout", "cache"),
    "bash_task": ("executor", "retries", "retry_delay", "retry_on", "timeout", "cache"),
    "join_task": ("retries", "retry_delay", "retry_on", "cache"),
}


def task_options(decorator: str, task: str, given: Mapping[str, Any]) -> TaskOptions:
    """Check a decorator's options; a mistake raises TypeError or ValueError naming task and option."""
    allowed = DECORATOR_OPTIONS[decorator]
    for name in given:
        if name not in allowed:
            why = (" (a join task runs in the workflow process; set it on the tasks it launches)"
                   if name in ("executor", "timeout") else did_you_mean(name, allowed))
            raise TypeError(f"@{decorator} {task}: unknown option '{name}'{why}; options: {', '.join(allowed)}")
    values: dict[str, Any] = {}
    for setting in FAILURE_SETTINGS:
        if setting.name in given:
            try:
                values[setting.name] = setting.validate(given[setting.name])
            except ValueError as exc:
                raise ValueError(f"@{decorator} {task}: {setting.name}= {exc}") from None
    if "executor" in given and given["executor"] is not None:
        values["executor"] = _check_executor(decorator, task, given["executor"])
    if "retry_on" in given and given["retry_on"] is not None:
        values["retry_on"] = _check_retry_on(decorator, task, given["retry_on"])
    if "cache" in given:
        if not isinstance(given["cache"], bool):
            raise TypeError(f"@{decorator} {task}: cache= expects True or False, got {given['cache']!r}")
        values["cache"] = given["cache"]
    return TaskOptions(task=task, bash=decorator == "bash_task", **values)


def _check_executor(decorator: str, task: str, value: Any) -> str | tuple[str, ...]:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise TypeError(f"@{decorator} {task}: executor= must be a resource name or a non-empty list of names, "
                    f"got {value!r}")


def _check_retry_on(decorator: str, task: str, value: Any) -> RetryOn:
    if callable(value) and not isinstance(value, type):
        return value
    items = tuple(value) if isinstance(value, (list, tuple)) else (value,)
    exit_codes_ok = decorator == "bash_task"
    for item in items:
        if isinstance(item, type) and issubclass(item, BaseException):
            continue
        if exit_codes_ok and isinstance(item, int) and not isinstance(item, bool):
            continue
        what = "exception types, exit codes" if exit_codes_ok else "exception types"
        raise TypeError(f"@{decorator} {task}: retry_on= expects {what} or a function of the exception "
                        f"returning True to retry, got {item!r}")
    if not items:
        raise ValueError(f"@{decorator} {task}: retry_on= is empty; leave it out to retry on every error")
    return items


def choose(*levels: Any) -> Any:
    """The first value that is set (not None): task over resource over workflow."""
    for value in levels:
        if value is not None:
            return value
    return None


def effective(key: str, options: TaskOptions | None, resource: Any, workflow: Mapping[str, Any]) -> Any:
    """A task's ``retries``, ``retry_delay`` or ``timeout`` where it runs: its own value, else its
    resource's, else the workflow's."""
    return choose(getattr(options, key) if options is not None else None,
                  resource.get(key) if resource is not None else None, workflow.get(key))


def delay_before(retry: int, delays: Sequence[float] | None) -> float:
    """Seconds before retry number ``retry`` (1-based); the last delay repeats."""
    if not delays:
        return 0.0
    return delays[min(retry, len(delays)) - 1]


def wants_retry(retry_on: RetryOn, exc: BaseException) -> bool:
    """Whether ``exc`` is worth retrying under ``retry_on`` (None: every error)."""
    if retry_on is None:
        return True
    if callable(retry_on):
        return bool(retry_on(exc))
    code = getattr(exc, "exitcode", None)
    return any(isinstance(exc, r) if isinstance(r, type) else code == r for r in retry_on)


# -- what the workflow process knows about the functions it hands to Parsl ------------------

#: Options of every function object chiltepin hands to Parsl (the key of a task record's 'func').
REGISTRY: weakref.WeakKeyDictionary[Callable[..., Any], TaskOptions] = weakref.WeakKeyDictionary()


def register(func: Callable[..., Any], options: TaskOptions) -> Callable[..., Any]:
    REGISTRY[func] = options
    return func


def task_name(record: Mapping[str, Any]) -> str:
    func = record.get("func")
    options = REGISTRY.get(func) if func is not None else None
    return options.task if options is not None else record.get("func_name") or f"task {record['id']}"


# -- retry decisions -----------------------------------------------------------------------

#: Attribute set on a task's final exception: (task name, resource, Parsl task id).
ORIGIN = "_chiltepin_origin"


#: Task record key set when a task did not run because a dependency failed. Parsl then records
#: the state ``failed`` (the handler replaced its DependencyError); observers report ``dep_fail``.
UPSTREAM_FAILED = "chiltepin_upstream_failed"


class RetryHandler:
    """Parsl's ``retry_handler``: returns 0 to try again, infinity to stop, or raises the error
    the future should carry. Parsl's own ``retries`` is set to 0, so this decides alone."""

    def __init__(self, resources: Mapping[str, Any], workflow: Mapping[str, Any]):
        self.resources = resources
        self.workflow = workflow
        self.delays = DelayScheduler()

    def __call__(self, exc: BaseException, record: dict[str, Any]) -> float:
        from parsl.dataflow.errors import DependencyError

        options = REGISTRY.get(record["func"])
        name = options.task if options is not None else task_name(record)
        label = record.get("executor")
        if record.get("chiltepin_cancelled"):  # its worker was killed on purpose: not a lost task
            raise TaskCancelled(name, label, running=True)
        if isinstance(exc, DependencyError):
            record[UPSTREAM_FAILED] = True
            raise upstream_error(name, label, exc, record["depends"]) from None
        if isinstance(exc, TaskTimeout) and exc.resource is None:
            exc.resource = label
        budget = self.workflow.get("lost_task_retries", LOST_TASK_RETRIES.default)
        if is_lost(exc):
            losses = record.setdefault("chiltepin_losses", [])
            losses.append(where_lost(exc, label))
            if len(losses) <= budget:
                return 0
            raise TaskLost(name, label, losses, exc) from exc
        if killed_with_its_block(exc) and len(record.get("chiltepin_losses", ())) < budget:
            code = getattr(exc, "exitcode", None)
            record.setdefault("chiltepin_losses", []).append(f"command killed (exit code {code})")
            return 0
        resource = self.resources.get(label) if label is not None else None
        retries = effective("retries", options, resource, self.workflow) or 0
        retry = record["fail_count"] - len(record.get("chiltepin_losses", ()))
        if retry > retries or not wants_retry(options.retry_on if options else None, exc):
            _mark_origin(exc, name, label, record["id"])
            return math.inf
        delay = delay_before(retry, effective("retry_delay", options, resource, self.workflow))
        if delay > 0:
            self.delays.hold(record, delay)
        return 0

    def close(self) -> None:
        self.delays.close()


def _mark_origin(exc: BaseException, name: str, label: Any, task_id: int) -> None:
    try:
        setattr(exc, ORIGIN, (name, label, task_id))
    except (AttributeError, TypeError):  # an exception type that takes no attributes
        pass


LOST_TYPES: tuple[str, ...] = ("ManagerLost", "WorkerLost", "BadStateException")


def is_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the task was lost with its worker, manager or block (not its own fault)."""
    return type(exc).__name__ in LOST_TYPES and type(exc).__module__.startswith("parsl.")


#: Exit statuses of a command ended by SIGTERM or SIGKILL: negative from Python, 128+N from a shell.
KILLED_STATUSES = frozenset(status for number in (signal.SIGTERM, signal.SIGKILL)
                            for status in (-number, 128 + number))


def killed_with_its_block(exc: BaseException) -> bool:
    """A bash task whose command was killed by SIGTERM/SIGKILL, as when its block ends under it
    (a scheduler ends a job that way); resubmitted on the lost budget, then retried as a failure."""
    from parsl.app.errors import BashExitFailure

    return isinstance(exc, BashExitFailure) and exc.exitcode in KILLED_STATUSES


def where_lost(exc: BaseException, label: Any) -> str:
    """One loss, for the final error: what was lost, on which host, and the blocks/jobs that ended."""
    what = type(exc).__name__
    host = getattr(exc, "hostname", None)
    ident = getattr(exc, "manager_id", None) or getattr(exc, "worker_id", None)
    if isinstance(ident, bytes):
        ident = ident.decode(errors="replace")
    text = f"{what}" + (f" {ident}" if ident is not None else "") + (f" on host {host}" if host else "")
    ended = _ended_blocks(label)
    return text + (f" ({ended})" if ended else "")


def _ended_blocks(label: Any) -> str:
    import parsl

    try:
        executor: Any = parsl.dfk().executors[label]
        status = executor.status()
        jobs = getattr(executor, "blocks_to_job_id", {})
    except Exception:  # no block-running executor, or no status available
        return ""
    ended = [f"block {b} job {jobs.get(b, '?')} {s.state.name}" for b, s in status.items() if s.terminal]
    return "ended: " + ", ".join(ended) if ended else ""


def upstream_error(name: str, label: Any, exc: Any, depends: Sequence[Any] = ()) -> UpstreamTaskError:
    """The error of a task whose dependency failed, naming the task where the failure started."""
    cancelled = [d._chiltepin_cancelled_as for d in depends if hasattr(d, "_chiltepin_cancelled_as")]
    roots: list[tuple[Any, Any, BaseException]] = []
    for dep_exc, description in exc.dependent_exceptions_tids:
        if isinstance(dep_exc, UpstreamTaskError):
            roots.append((dep_exc.root_task, dep_exc.root_resource, dep_exc.root))
        elif isinstance(dep_exc, TaskCancelled):
            roots.append((dep_exc.task, dep_exc.resource, dep_exc))
        else:
            origin = getattr(dep_exc, ORIGIN, None)
            root_name, root_label = (origin[0], origin[1]) if origin else (description, None)
            if isinstance(dep_exc, CancelledError) and not origin:
                root_name, root_label = cancelled[0] if cancelled else (description, None)
                dep_exc = TaskCancelled(root_name, root_label)
            roots.append((root_name, root_label, dep_exc))
    root_task, root_label, root = roots[0]
    error = UpstreamTaskError(name, label, root_task, root_label, root, others=len(roots) - 1)
    error.__cause__ = root
    return error


class DelayScheduler:
    """Holds retried tasks back for their delay, on one timer thread for all of them.

    A held task gets a pending Future among its dependencies, so Parsl does not launch it;
    completing that Future asks Parsl to launch it again.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Future[None], Any]] = []
        self._cond = threading.Condition()
        self._count = 0
        self._thread: threading.Thread | None = None
        self._closed = False

    def hold(self, record: dict[str, Any], delay: float) -> None:
        gate: Future[None] = Future()
        record["depends"] = [*record["depends"], gate]
        dfk = record["dfk"]
        gate.add_done_callback(lambda _: dfk.launch_if_ready(record))
        with self._cond:
            self._count += 1
            heapq.heappush(self._heap, (time.monotonic() + delay, self._count, gate, record))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="chiltepin-retry-delays", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._heap or self._heap[0][0] > time.monotonic()):
                    self._cond.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                if self._closed:
                    return
                _, _, gate, _ = heapq.heappop(self._heap)
            gate.set_result(None)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()


# -- cancellation ----------------------------------------------------------------------------


def cancel(future: Any) -> bool:
    """Cancel the task behind ``future``.

    A task that has not started never will: returns True, the future is cancelled, and its
    dependents fail with :class:`chiltepin.TaskCancelled` as their root. A task running on an
    HTEX worker of this machine (a local resource, or a batch job on this host) is killed with its
    processes: returns True and the future fails with TaskCancelled. Otherwise returns False.
    """
    from parsl.dataflow.states import States

    record = future.task_record
    if future.done():
        return False
    with record["task_launch_lock"]:
        if record["status"] == States.pending:
            record["chiltepin_cancelled"] = True
            dfk = record["dfk"]
            dfk._update_task_state(record, States.failed)
            dfk.wipe_task(record["id"])
            pending = True
        else:
            pending = False
    if pending:
        future._chiltepin_cancelled_as = (task_name(record), record.get("executor"))  # for its dependents
        with future._update_lock:
            Future.cancel(future)
        return True
    return _kill_running(record)


#: A Parsl worker log line saying which task a worker process (name-pid) took.
_RECEIVED = re.compile(r"^\S+ \S+ \S+ \S+-(\d+) .* Received executor task (\d+)\s*$")


def _kill_running(record: dict[str, Any]) -> bool:
    """Kill the HTEX worker process running ``record``'s task, when it runs on this host."""
    from ._remote import kill_tree
    from ._watch import MARKER

    task_id = getattr(record.get("exec_fu"), "parsl_executor_task_id", None)
    executor = record["dfk"].executors.get(record.get("executor"))
    logdir = getattr(executor, "worker_logdir", None)
    if task_id is None or not isinstance(logdir, str) or os.environ.get(MARKER) is None:
        return False
    pid = _worker_running(logdir, int(task_id))
    if pid is None or not _of_this_run(pid, os.environ[MARKER]):
        return False
    record["chiltepin_cancelled"] = True
    kill_tree(pid, include_self=True, grace=0)
    return True


def _worker_running(logdir: str, task_id: int) -> int | None:
    """The pid of the worker whose most recent task, by its log, is ``task_id``."""
    for log in glob.glob(os.path.join(logdir, "block-*", "*", "worker_*.log")):
        try:
            with open(log, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 65536))
                lines = f.read().decode(errors="replace").splitlines()
        except OSError:
            continue
        for line in reversed(lines):
            match = _RECEIVED.match(line)
            if match:
                if int(match.group(2)) == task_id:
                    return int(match.group(1))
                break
    return None


def _of_this_run(pid: int, token: str) -> bool:
    import psutil

    from ._watch import MARKER

    try:
        return psutil.Process(pid).environ().get(MARKER) == token
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def cancel_all(futures: Iterable[Any]) -> int:
    """Cancel every unfinished task of ``futures`` that can be; returns how many were."""
    return sum(1 for f in list(futures) if not f.done() and cancel(f))


def task_future_class() -> type:
    """Parsl's AppFuture with a working ``cancel()`` (built on first use, once Parsl is loaded)."""
    global _TaskFuture
    if _TaskFuture is None:
        from parsl.dataflow.futures import AppFuture

        class TaskFuture(AppFuture):
            """The future of a chiltepin task: Parsl's AppFuture, plus ``cancel()``."""

            def cancel(self) -> bool:
                return cancel(self)

            def cancelled(self) -> bool:
                return Future.cancelled(self)

        _TaskFuture = TaskFuture
    return _TaskFuture


_TaskFuture: type | None = None


def source_digest(func: Callable[..., Any]) -> str:
    """A digest of a function's source (its bytecode when the source is not available)."""
    import hashlib

    try:
        text = inspect.getsource(func).encode()
    except (OSError, TypeError):
        code = getattr(func, "__code__", None)
        text = code.co_code + repr(code.co_consts).encode() if code is not None else repr(func).encode()
    return hashlib.sha256(text).hexdigest()[:16]


__all__ = ["FAILURE_SETTINGS", "LOST_TASK_RETRIES", "UPSTREAM_FAILED", "RetryHandler", "TaskOptions", "cancel",
           "cancel_all", "choose", "delay_before", "task_options", "wants_retry"]
