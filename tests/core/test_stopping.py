"""Stopping a workflow process by signal, on a local HTEX resource: SIGTERM and SIGHUP stop it in
order (checkpoints written, every helper gone, status 128 + signal); after SIGKILL the watcher
ends every helper, and no task starts more than 5 s after the workflow process died."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from stopping import signal_and_wait, start_run

CONFIG = {"r": {"provider": "localhost", "max_workers_per_node": 1, "init_blocks": 1}}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_in_order(tmp_path, signum):
    run = start_run(CONFIG, tmp_path)
    try:
        code, _ = signal_and_wait(run, signum)
        assert code == 128 + signum
        assert run.leftovers(within=10) == []
        assert list(run.run_dir.glob("*/checkpoint/tasks.pkl")), "checkpoints were not written"
    finally:
        run.kill_leftovers()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_the_whole_process_group_stops_in_order_too(tmp_path, signum):
    """A terminal's hangup reaches every process of the job: the interchange must outlive it
    until the workflow has stopped its blocks through it (it once died first, and the cleanup
    waited forever on a launch thread sending to it)."""
    run = start_run(CONFIG, tmp_path, session=True)
    try:
        code, _ = signal_and_wait(run, signum, group=True)
        assert code == 128 + signum
        assert run.leftovers(within=10) == []
    finally:
        run.kill_leftovers()


def test_after_sigkill_the_watcher_ends_every_helper(tmp_path):
    run = start_run(CONFIG, tmp_path)
    try:
        code, died = signal_and_wait(run, signal.SIGKILL)
        assert code == -signal.SIGKILL
        assert run.leftovers(within=30) == []
        assert [t for t in run.task_starts() if t > died + 5] == []
    finally:
        run.kill_leftovers()


SIGNAL_WHILE_LOGGING = """
import logging, os, signal, sys, time, traceback
from chiltepin._watch import WorkflowStopped, catch_signals

emitted = []

class Signalling(logging.Handler):
    def emit(self, record):
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while logging holds this handler's lock
        time.sleep(0.2)
        emitted.append(record.getMessage())

log = logging.getLogger("t")
log.addHandler(Signalling())
catch_signals()
try:
    log.warning("one")
    time.sleep(5)
except WorkflowStopped as stopped:
    where = {os.path.basename(f.filename) for f in traceback.extract_tb(stopped.__traceback__)}
    print(emitted, "__init__.py" in where, flush=True)  # logging/__init__.py is the only __init__ here
    sys.exit(stopped.code)
"""


def test_a_signal_that_arrives_inside_logging_stops_the_workflow_once_logging_is_done():
    """Raised inside logging, the stop could leave a handler's lock held and every other thread
    that logs (the workflow's cleanup included) waiting forever: it waits until logging is done."""
    done = subprocess.run([sys.executable, "-c", SIGNAL_WHILE_LOGGING], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "['one'] False", done.stderr
    assert done.returncode == 128 + signal.SIGTERM


@pytest.mark.parametrize("has_proc", [True, False], ids=["proc", "psutil"])
def test_the_watcher_tells_a_live_process_from_a_zombie_and_a_gone_one(monkeypatch, has_proc):
    """The watcher's liveness check (from /proc, no psutil while it waits; psutil where there is
    no /proc): a live child has a start time, the same one each time; once it has exited it has
    none, as a zombie and once reaped."""
    from chiltepin import _watcher
    from chiltepin._watcher import _start_time

    monkeypatch.setattr(_watcher, "_HAS_PROC", has_proc)

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        born = _start_time(child.pid)
        assert born is not None and _start_time(child.pid) == born
        child.kill()
        deadline = time.monotonic() + 10
        while _start_time(child.pid) is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _start_time(child.pid) is None  # a zombie: killed, not yet reaped
        assert child.poll() is not None
        assert _start_time(child.pid) is None
    finally:
        child.kill()
        child.wait()


def test_the_watcher_runs_at_the_lowest_priority(tmp_path):
    """It must not slow the workflow's start: its niceness is 19 while the workflow runs."""
    from chiltepin import Workflow

    with Workflow(run_dir=str(tmp_path)) as workflow:
        watcher = workflow._watcher.process
        assert os.getpriority(os.PRIO_PROCESS, watcher.pid) == 19
