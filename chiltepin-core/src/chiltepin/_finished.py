"""Finished task futures keep only what users read: the result or exception, the task id,
``outputs``, ``stdout`` and ``stderr`` (and ``task_status()``).

A Parsl ``AppFuture`` keeps its whole task record after it finishes: the function, arguments,
keyword arguments and Parsl's bookkeeping, plus the callbacks of tasks that depended on it
(about 5.7 KiB per task), which a list of 100,000 futures in a workflow process holds on to.
When a task's future finishes, it gets a record of the few fields ``AppFuture`` reads, and its
condition variable, needed only to wait for the result, becomes a plain re-entrant lock.
Parsl's own records are not touched: the workflow's kernel drops them as it finishes the task.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from types import MappingProxyType
from typing import Any, TypeVar

F = TypeVar("F", bound=Future)

#: What ``AppFuture`` reads from its task record once finished (Parsl 2026.10.26:
#: ``tid``, ``task_status()``, ``stdout``/``stderr`` through ``kwargs``, ``dfk`` for ``fut[key]``).
KEPT = ("id", "func_name", "status", "dfk")
OUTPUT_FILES = ("stdout", "stderr")
_NO_OUTPUT_FILES: Any = MappingProxyType({})
_CONDITION = type(threading.Condition())


def keep_only_what_users_read(future: F) -> F:
    """Arrange for ``future`` to let go of its task's inputs once it finishes; returns it."""
    if hasattr(future, "task_record"):
        future.add_done_callback(_lighten)
    return future


def _lighten(future: Any) -> None:
    record = future.task_record
    kwargs = record.get("kwargs") or {}
    files = {k: kwargs[k] for k in OUTPUT_FILES if k in kwargs}
    slim = {k: record[k] for k in KEPT if k in record}
    slim["kwargs"] = files or _NO_OUTPUT_FILES
    future.task_record = slim
    # Callbacks still being invoked keep running: this replaces the list, it does not empty it.
    future._done_callbacks = []
    # A finished Future only enters its condition to read its state (CPython 3.10-3.13
    # concurrent.futures: result(), exception(), add_done_callback(), wait()); never waits on it.
    if type(future._condition) is _CONDITION and future.done():
        future._condition = threading.RLock()
