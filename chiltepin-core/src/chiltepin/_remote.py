"""What runs on the worker: time limits that kill a task's whole process tree, and bash tasks.

A Python task with a ``timeout`` gets an interval timer (SIGALRM) when it runs in a worker
process's main thread, as on HTEX workers: when it fires, every process the task started is
killed and :class:`chiltepin.TaskTimeout` is raised inside the task, so the worker goes on to its
next task. In a thread (the ``threads`` backend) the exception is raised in that thread as soon
as it runs Python code again; a thread cannot be killed.

A bash task's command runs in its own session, so a timeout kills the command and every child
it started (Parsl's own ``walltime`` kills only bash itself, Parsl issue 2824). A non-zero exit
raises :class:`BashTaskError`, which carries the exit code and the last lines of the captured
stderr.
"""

from __future__ import annotations

import ctypes
import functools
import heapq
import math
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

from parsl.app.errors import AppBadFormatting, BadStdStreamFile, BashAppNoReturn, BashExitFailure, MissingOutputs

from .errors import TaskTimeout

#: Lines of stderr kept in a failed bash task's error.
STDERR_LINES = 20
#: The line after the command that a bash task's captured stderr starts with (as in Parsl).
END_OF_COMMAND = "--> end executable <--"
#: Seconds between SIGTERM and SIGKILL when a task's processes are stopped.
GRACE = 1.0


class BashTaskError(BashExitFailure):
    """A bash task exited non-zero: ``exitcode``, and ``stderr_tail`` when stderr was captured."""

    def __init__(self, task: str, exitcode: int, stderr_tail: str | None = None, stderr_path: str | None = None):
        super().__init__(task, exitcode)
        self.task, self.stderr_tail, self.stderr_path = task, stderr_tail, stderr_path

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.task, self.exitcode, self.stderr_tail, self.stderr_path))

    def __str__(self) -> str:
        text = f"bash task {self.task} failed with exit code {self.exitcode}"
        if self.stderr_tail:
            text += f"; last lines of its stderr ({self.stderr_path}):\n{self.stderr_tail}"
        return text


def kill_tree(pid: int | None = None, *, include_self: bool = False, grace: float = GRACE) -> None:
    """Stop every descendant of ``pid`` (this process by default): SIGTERM, then SIGKILL."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = root.children(recursive=True) + ([root] if include_self else [])
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        try:
            proc.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)


def call_with_limit(func: Callable[..., Any], limit: float, task: str, args: Any, kwargs: Any) -> Any:
    """Call ``func`` and raise TaskTimeout once it has run ``limit`` seconds."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _call_with_alarm(func, limit, task, args, kwargs)
    return _call_with_thread_timer(func, limit, task, args, kwargs)


def limited(func: Callable[..., Any], limit: float, task: str) -> Callable[..., Any]:
    """``func`` with a time limit: a partial of a module function (serialized by reference, the
    task function by value), built once per task and limit so Parsl's serializer caches it."""
    return _shipped(functools.partial(run_limited, func, limit, task), func)


def bash_runner(func: Callable[..., Any], limit: float | None, task: str) -> Callable[..., Any]:
    """The function Parsl runs for a bash task: build the command with ``func`` and run it."""
    return _shipped(functools.partial(run_bash, func, task, limit), func)


def _shipped(remote: functools.partial[Any], func: Callable[..., Any]) -> functools.partial[Any]:
    remote.__name__ = getattr(func, "__name__", "task")  # type: ignore[attr-defined]
    remote.__wrapped__ = func  # type: ignore[attr-defined]  # for the cache key: the task's source
    return remote


def run_limited(func: Callable[..., Any], limit: float, task: str, *args: Any, **kwargs: Any) -> Any:
    return call_with_limit(func, limit, task, args, kwargs)


def _call_with_alarm(func: Callable[..., Any], limit: float, task: str, args: Any, kwargs: Any) -> Any:
    running = True

    def expire(signum: int, frame: Any) -> None:
        if running:
            kill_tree()
            raise TaskTimeout(task, limit)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return func(*args, **kwargs)
    finally:
        running = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _call_with_thread_timer(func: Callable[..., Any], limit: float, task: str, args: Any, kwargs: Any) -> Any:
    entry = _deadlines.add(threading.get_ident(), limit)
    try:
        return func(*args, **kwargs)
    except _Expired:
        raise TaskTimeout(task, limit) from None
    finally:
        if _deadlines.finish(entry):  # it fired: the exception may still be pending here, clear it
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(entry[2]), None)


class _Deadlines:
    """One timer thread for every time-limited task running in a thread of this process."""

    def __init__(self) -> None:
        self._heap: list[list[Any]] = []
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._count = 0
        self._finished = 0
        self._waking = math.inf  # when the timer thread wakes next (its deadline, or never)

    def add(self, thread_id: int, limit: float) -> list[Any]:
        """Register a task; the entry is [deadline, order, thread id, state] (state: 0 running,
        1 finished, 2 fired)."""
        with self._cond:
            self._count += 1
            entry = [time.monotonic() + limit, self._count, thread_id, 0]
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="chiltepin-timeouts", daemon=True)
                self._thread.start()
            elif entry[0] < self._waking:  # wake the timer only when it would wake too late
                self._cond.notify()
        return entry

    def finish(self, entry: list[Any]) -> bool:
        """The task ended; returns whether its deadline had fired."""
        with self._cond:
            fired = entry[3] == 2
            entry[3] = 1
            self._finished += 1
            if self._finished > 1024 and self._finished * 2 > len(self._heap):  # drop finished entries
                self._heap = [e for e in self._heap if e[3] != 1]
                heapq.heapify(self._heap)
                self._finished = 0
        return fired

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][3] == 1:
                    heapq.heappop(self._heap)
                    self._finished -= 1
                self._waking = self._heap[0][0] if self._heap else math.inf
                wait = self._waking - time.monotonic()
                if wait > 0:
                    self._cond.wait(None if wait == math.inf else wait)
                    continue
                entry = heapq.heappop(self._heap)
                entry[3] = 2
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(entry[2]), ctypes.py_object(_Expired))


_deadlines = _Deadlines()


class _Expired(BaseException):
    """Raised asynchronously in a thread whose task ran out of time (turned into TaskTimeout)."""


def _std_stream(spec: Any, name: str) -> tuple[Any, str | None]:
    """Open a bash task's stdout/stderr as Parsl does: a path, (path, mode) or a Parsl File."""
    if spec is None:
        return None, None
    from parsl.data_provider.files import File
    from parsl.utils import get_std_fname_mode

    fname, mode = (os.fspath(spec), "w") if isinstance(spec, File) else get_std_fname_mode(name, spec)
    try:
        if os.path.dirname(fname):
            os.makedirs(os.path.dirname(fname), exist_ok=True)
        return open(fname, mode), str(fname)
    except OSError as exc:
        raise BadStdStreamFile(str(fname)) from exc


def _tail(path: str | None, lines: int = STDERR_LINES) -> str | None:
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 8192))
            text = f.read().decode(errors="replace")
    except OSError:
        return None
    text = text.rpartition(END_OF_COMMAND)[2]  # after the command, which run_bash writes first
    kept = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(kept) or None


def run_bash(func: Callable[..., Any], task: str, limit: float | None, *args: Any, **kwargs: Any) -> int:
    """Build the command with ``func`` and run it in bash (its own session); 0 on success."""
    try:
        command = func(*args, **kwargs)
    except AttributeError as exc:
        raise BashAppNoReturn(f"bash task {task} did not return a command: {exc}") from exc
    except IndexError as exc:
        raise AppBadFormatting(f"bash task {task}: formatting its command failed: {exc}") from exc
    if not isinstance(command, str):
        raise ValueError(f"bash task {task} must return the command as a string, got {type(command).__name__}")
    walltime = kwargs.get("walltime")  # Parsl's own limit, applied the same way (and killing children)
    if walltime is not None:
        limit = walltime if limit is None else min(limit, walltime)
    out, _ = _std_stream(kwargs.get("stdout"), "stdout")
    err, err_path = _std_stream(kwargs.get("stderr"), "stderr")
    try:
        if err is not None:
            print(f"--> executable follows <--\n{command}\n{END_OF_COMMAND}", file=err, flush=True)
        proc = subprocess.Popen(command, shell=True, executable="/bin/bash", stdout=out, stderr=err,
                                close_fds=False, start_new_session=True)
        try:
            code = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_session(proc)
            raise TaskTimeout(task, limit or 0) from None
        except BaseException:  # a cancellation or the worker stopping: take the command down too
            _kill_session(proc)
            raise
    finally:
        for stream in (out, err):
            if stream is not None:
                stream.close()
    if code != 0:
        raise BashTaskError(task, code, _tail(err_path), err_path)
    missing = [f for f in kwargs.get("outputs", []) if not os.path.exists(f.filepath)]
    if missing:
        raise MissingOutputs(f"bash task {task}: missing outputs", missing)
    return code


def _kill_session(proc: subprocess.Popen[Any]) -> None:
    """Kill a command's whole session: its process group and every descendant that left it."""
    import psutil

    try:
        descendants = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for child in descendants:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    proc.wait()
    psutil.wait_procs(descendants, timeout=GRACE)
