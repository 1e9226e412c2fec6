"""The worker side of run recording: where and when each attempt ran.

A task's function is wrapped once (per function object) in :class:`Observed`; on the worker it
returns the function's value inside an :class:`Outcome` that also carries the host, process,
Parsl block and start/end times. The recorder unwraps it before Parsl sees the result. Only the
standard library is imported here: this module runs on workers.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import Any

_HOST: str | None = None


class Outcome:
    """A task's value plus where and when it ran."""

    __slots__ = ("value", "host", "pid", "block", "started", "ended")

    def __init__(self, value: Any, host: str, pid: int, block: str | None, started: float, ended: float):
        self.value, self.host, self.pid, self.block = value, host, pid, block
        self.started, self.ended = started, ended

    def __reduce__(self) -> tuple[Any, ...]:
        return Outcome, (self.value, self.host, self.pid, self.block, self.started, self.ended)


class Observed:
    """A callable that runs ``func`` and reports its :class:`Outcome`."""

    __slots__ = ("func", "__name__", "__weakref__")

    def __init__(self, func: Callable[..., Any]):
        self.func = func
        self.__name__ = getattr(func, "__name__", "task")

    def __reduce__(self) -> tuple[Any, ...]:
        return Observed, (self.func,)

    def __call__(self, *args: Any, **kwargs: Any) -> Outcome:
        global _HOST
        if _HOST is None:
            _HOST = socket.gethostname()
        started = time.time()
        value = self.func(*args, **kwargs)
        return Outcome(value, _HOST, os.getpid(), os.environ.get("PARSL_WORKER_BLOCK_ID"), started, time.time())
