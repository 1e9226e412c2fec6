"""Stopping: an orderly stop on SIGTERM and SIGHUP, and a watcher for when there is no chance to stop.

* :func:`catch_signals` makes SIGTERM and SIGHUP raise :class:`WorkflowStopped` (a SystemExit
  with status 128 + signal) in the main thread, so ``with Workflow(...)`` cleans up as it does
  for Ctrl-C: batch jobs cancelled through their provider, helpers stopped, checkpoints written.
* :class:`Watcher` is a small process started with the workflow. Every process of the run carries
  ``CHILTEPIN_RUN=<token>`` in its environment (it is set before anything starts). If the
  workflow process dies without cleaning up (SIGKILL, the out-of-memory killer), the watcher
  notices within a fraction of a second, kills every process carrying the token and cancels the
  batch jobs the run submitted, then exits. After a normal cleanup it is told to exit.

The watcher process itself is :mod:`chiltepin._watcher`.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from typing import Any

from . import _watcher
from ._watcher import MARKER, STOP_SIGNALS


class WorkflowStopped(SystemExit):
    """The workflow process received SIGTERM or SIGHUP; the workflow was stopped in order."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(128 + signum)


def catch_signals() -> Callable[[], None]:
    """Turn SIGTERM and SIGHUP into :class:`WorkflowStopped`; returns what restores the handlers.

    Only from the main thread, only where no handler of the program's own is installed, and not
    inside a Parsl worker (a workflow an agent or task starts there): a worker's SIGTERM means its
    block ends, so it must die at once; the watcher then ends that workflow's helpers.
    """
    if threading.current_thread() is not threading.main_thread() or "PARSL_WORKER_POOL_ID" in os.environ:
        return lambda: None
    previous: dict[int, Any] = {}
    stale = threading.Event()  # the workflow was cleaned up from a thread that may not reset handlers

    def stop(signum: int, frame: Any) -> None:
        if stale.is_set():  # no workflow to stop: put the old handlers back and let the signal do its own
            reset()
            signal.raise_signal(signum)
            return
        if _in_logging(frame):
            _raise_again_soon(signum)
            return
        for sig in previous:  # a second signal must not interrupt the cleanup of the first
            signal.signal(sig, signal.SIG_IGN)
        raise WorkflowStopped(signum)

    for sig in STOP_SIGNALS:
        if signal.getsignal(sig) is signal.SIG_DFL:
            previous[sig] = signal.signal(sig, stop)

    def reset() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    def restore() -> None:
        """Only the main thread may set signal handlers; from another, the next signal resets them."""
        if threading.current_thread() is threading.main_thread():
            reset()
        else:
            stale.set()

    return restore


def _in_logging(frame: Any) -> bool:
    """Whether ``frame`` runs inside the logging module, where an exception raised between a
    handler's ``acquire()`` and its ``try`` leaves the handler's lock held: every other thread
    that logs would then wait forever, the workflow's cleanup with them."""
    while frame is not None:
        if frame.f_code.co_filename == logging.__file__:
            return True
        frame = frame.f_back
    return False


def _raise_again_soon(signum: int, delay: float = 0.01) -> None:
    """Deliver ``signum`` to this process again in ``delay`` seconds (a thread: a handler that
    has just returned cannot wait)."""
    timer = threading.Timer(delay, os.kill, (os.getpid(), signum))
    timer.daemon = True
    timer.start()


#: The watcher's command prefix: ``nice`` lowers its priority before its interpreter starts, so the
#: workflow's own start-up never waits for it (where there is no ``nice``, it lowers its own as it starts).
_LOWEST_PRIORITY = [nice, "-n", "19"] if (nice := shutil.which("nice")) else []


class Watcher:
    """The workflow side: start the watcher, report batch jobs to it, tell it to exit."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex
        self._previous_marker = os.environ.get(MARKER)
        os.environ[MARKER] = self.token
        self._lock = threading.Lock()
        self.process = subprocess.Popen([*_LOWEST_PRIORITY, sys.executable, "-S", _watcher.__file__, str(os.getpid()),
                                         self.token],
                                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True)

    def track(self, executor: Any) -> None:
        """Report every block ``executor``'s provider submits (the provider, with its job) to the watcher.

        Local blocks are not reported: their processes carry the run token and end with it.
        """
        provider = getattr(executor, "provider", None)
        if provider is None or not hasattr(provider, "submit") or type(provider).__name__ == "LocalProvider":
            return
        submit = provider.submit

        def submit_and_report(*args: Any, **kwargs: Any) -> Any:
            job_id = submit(*args, **kwargs)
            try:
                blob = base64.b64encode(pickle.dumps(provider)).decode()
            except Exception:  # a provider that cannot be pickled: its jobs are cancelled on cleanup only
                return job_id
            self._send({"label": executor.label, "provider": blob, "job": job_id})
            return job_id

        provider.submit = submit_and_report

    def _send(self, message: dict[str, Any]) -> None:
        with self._lock:
            stdin = self.process.stdin
            if stdin is not None and not stdin.closed:
                try:
                    stdin.write((json.dumps(message, default=str) + "\n").encode())
                    stdin.flush()
                except (BrokenPipeError, OSError):
                    pass

    def stop(self) -> None:
        """The workflow cleaned up: the watcher exits without touching anything."""
        self._send({"stop": True})
        with self._lock:
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self._previous_marker is None:
            os.environ.pop(MARKER, None)
        else:
            os.environ[MARKER] = self._previous_marker
