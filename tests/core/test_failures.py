"""Faults on real workers: retries with delays and filters, timeouts that kill, lost workers,
root-cause errors, bash failures and cancellation. No part of Parsl is mocked: the tasks run on
a local HTEX resource (real worker processes) and on the threads backend."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import pytest
from chiltepin import TaskCancelled, TaskTimeout, UpstreamTaskError, Workflow
from chiltepin.tasks import bash_task, join_task, python_task

CONFIG = {
    "h": {"provider": "localhost", "max_workers_per_node": 2, "init_blocks": 1, "min_blocks": 1},
    "threads": {"executor": "threads", "max_threads": 2},
}


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    with Workflow(CONFIG, run_dir=str(tmp_path_factory.mktemp("failures"))) as wf:
        yield wf


def attempts(path: Path) -> list[float]:
    return [float(t) for t in path.read_text().split()] if path.exists() else []


def wait_for(path: Path, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} was not written within {timeout} s")


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


# -- tasks ------------------------------------------------------------------------------------

def _record_attempt(path, fail_until, error):
    import time
    with open(path, "a") as f:
        f.write(f"{time.time()}\n")
    n = len(open(path).read().split())
    if n <= fail_until:
        raise error(f"attempt {n} fails")
    return n


@python_task(retries=3, retry_delay=[0.4, 0.8])
def flaky(path, fail_until, error=ValueError):
    return _record_attempt(path, fail_until, error)


@python_task(retries=3, retry_on=(OSError,))
def only_oserror(path, error):
    return _record_attempt(path, 1, error)


@python_task(retries=3, retry_on=lambda exc: "again" in str(exc))
def decides(path, word):
    import time
    with open(path, "a") as f:
        f.write(f"{time.time()}\n")
    raise RuntimeError(word)


@bash_task(retries=2, retry_on=[75])
def exits(path, code):
    return f"echo $(date +%s.%N) >> {path}; exit {code}"


@python_task(retries=1, retry_delay=4)
def fails_then_waits(path):
    return _record_attempt(path, 1, ValueError)


@python_task
def stamp(path):
    import time
    with open(path, "w") as f:
        f.write(f"{time.time()}\n")
    return True


@python_task(timeout=2)
def python_hang(pidfile):
    import os
    import subprocess
    import time
    child = subprocess.Popen(["sleep", "600"])
    with open(pidfile, "w") as f:
        f.write(f"{os.getpid()} {child.pid}\n")
    time.sleep(600)


@python_task(timeout=1.5)
def pure_python_loop():
    while True:
        sum(range(1000))


@bash_task(timeout=2)
def bash_hang(pidfile):
    return f"sleep 600 & echo $$ $! > {pidfile}; sleep 600"


@python_task
def worker_pid():
    import os
    return os.getpid()


@python_task
def record_pid_and_sleep(pidfile, seconds):
    import os
    import time
    with open(pidfile, "a") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    return "finished"


@python_task
def root_failure():
    raise KeyError("the root cause")


@python_task
def passes(x):
    return x


@bash_task
def fails_loudly(stderr=None):
    return "for i in 1 2 3; do echo line $i >&2; done; exit 7"


# -- retries ----------------------------------------------------------------------------------

def test_retry_delays_space_the_attempts_apart(workflow, tmp_path):
    path = tmp_path / "attempts"
    assert flaky(path, 3, executor="h").result(timeout=120) == 4
    times = attempts(path)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 3
    assert gaps[0] >= 0.4 and gaps[1] >= 0.8 and gaps[2] >= 0.8  # the last delay repeats


def test_a_delay_blocks_neither_the_workflow_nor_other_tasks(workflow, tmp_path):
    held = tmp_path / "held"
    future = fails_then_waits(held, executor="h")
    wait_for(held)
    while len(attempts(held)) < 1:
        time.sleep(0.05)
    other = tmp_path / "other"
    assert stamp(other, executor="h").result(timeout=60) is True  # runs while the retry waits
    assert future.result(timeout=60) == 2
    first, second = attempts(held)
    assert float(other.read_text()) < second and second - first >= 4


def test_retries_run_out_and_the_last_error_is_the_tasks_own(workflow, tmp_path):
    path = tmp_path / "attempts"
    with pytest.raises(ValueError, match="attempt 4 fails"):
        flaky(path, 10, executor="threads").result(timeout=120)
    assert len(attempts(path)) == 4


def test_retry_on_exception_types_filters(workflow, tmp_path):
    with pytest.raises(ValueError):
        only_oserror(tmp_path / "v", ValueError, executor="h").result(timeout=60)
    assert len(attempts(tmp_path / "v")) == 1
    assert only_oserror(tmp_path / "o", OSError, executor="h").result(timeout=60) == 2


def test_retry_on_a_function_of_the_exception(workflow, tmp_path):
    with pytest.raises(RuntimeError, match="stop"):
        decides(tmp_path / "s", "stop", executor="h").result(timeout=60)
    assert len(attempts(tmp_path / "s")) == 1
    with pytest.raises(RuntimeError, match="again"):
        decides(tmp_path / "a", "again", executor="h").result(timeout=60)
    assert len(attempts(tmp_path / "a")) == 4


def test_bash_retry_on_exit_codes(workflow, tmp_path):
    from chiltepin import BashTaskError

    with pytest.raises(BashTaskError) as failed:
        exits(tmp_path / "75", 75, executor="h").result(timeout=60)
    assert failed.value.exitcode == 75 and len(attempts(tmp_path / "75")) == 3
    with pytest.raises(BashTaskError):
        exits(tmp_path / "3", 3, executor="h").result(timeout=60)
    assert len(attempts(tmp_path / "3")) == 1


# -- timeouts ---------------------------------------------------------------------------------

def test_python_timeout_kills_the_tasks_children_and_keeps_the_worker(workflow, tmp_path):
    pidfile = tmp_path / "pids"
    future = python_hang(pidfile, executor="h")
    with pytest.raises(TaskTimeout) as failed:
        future.result(timeout=60)
    error = failed.value
    assert isinstance(error, TimeoutError)
    assert (error.task, error.resource, error.limit) == ("python_hang", "h", 2)
    assert "python_hang" in str(error) and "'h'" in str(error) and "2 s" in str(error)
    worker, child = map(int, pidfile.read_text().split())
    assert gone(child)
    assert not gone(worker)  # the worker process survived and takes the next task
    assert worker_pid(executor="h").result(timeout=60) > 0


def test_bash_timeout_kills_bash_and_its_children(workflow, tmp_path):
    pidfile = tmp_path / "pids"
    with pytest.raises(TaskTimeout, match="bash_hang"):
        bash_hang(pidfile, executor="h").result(timeout=60)
    shell, background = map(int, wait_for(pidfile).split())
    deadline = time.monotonic() + 10
    while not (gone(shell) and gone(background)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone(shell) and gone(background)


def test_timeout_on_the_threads_backend_stops_python_code(workflow):
    with pytest.raises(TaskTimeout) as failed:
        pure_python_loop(executor="threads").result(timeout=60)
    assert failed.value.resource == "threads"


@python_task(timeout=600)
def sleeps_long(seconds):
    time.sleep(seconds)
    return seconds


def test_a_short_limit_fires_on_time_while_a_long_one_is_pending(workflow):
    """The thread-side timer sleeps until its earliest deadline and is woken only by an earlier
    one: a 1.5 s limit submitted after a 600 s one must still stop its task."""
    long_one = sleeps_long(6, executor="threads")
    time.sleep(0.5)  # the timer is asleep on the 600 s deadline
    with pytest.raises(TaskTimeout):
        pure_python_loop(executor="threads").result(timeout=60)
    assert not long_one.done()  # it fired on its own deadline, not when something else woke the timer
    assert long_one.result(timeout=60) == 6


# -- lost workers -----------------------------------------------------------------------------

def test_a_task_whose_worker_is_killed_is_resubmitted_without_using_retries(workflow, tmp_path):
    pidfile = tmp_path / "pids"
    future = record_pid_and_sleep(pidfile, 3, executor="h")  # retries=0: only the lost budget
    os.kill(int(wait_for(pidfile).split()[0]), signal.SIGKILL)
    assert future.result(timeout=120) == "finished"
    first, second = map(int, pidfile.read_text().split())
    assert first != second


# -- errors that say why ----------------------------------------------------------------------

def test_a_dependent_names_the_root_task_its_resource_and_exception(workflow):
    future = passes(passes(root_failure(executor="h"), executor="threads"), executor="threads")
    with pytest.raises(UpstreamTaskError) as failed:
        future.result(timeout=60)
    error = failed.value
    assert (error.task, error.root_task, error.root_resource) == ("passes", "root_failure", "h")
    assert isinstance(error.root, KeyError) and error.root.args == ("the root cause",)
    assert "root_failure" in str(error) and "KeyError" in str(error) and "the root cause" in str(error)


def test_a_failed_bash_task_carries_its_exit_code_and_stderr(workflow, tmp_path):
    from chiltepin import BashTaskError
    from parsl.app.errors import BashExitFailure

    with pytest.raises(BashTaskError) as failed:
        fails_loudly(stderr=str(tmp_path / "err"), executor="h").result(timeout=60)
    error = failed.value
    assert isinstance(error, BashExitFailure) and error.exitcode == 7
    assert error.stderr_tail == "line 1\nline 2\nline 3"
    assert "exit code 7" in str(error) and "line 3" in str(error)


# -- cancellation -----------------------------------------------------------------------------

def test_cancel_a_pending_task_and_its_dependents_fail_clearly(workflow, tmp_path):
    blocker = record_pid_and_sleep(tmp_path / "started", 3, executor="threads")
    wait_for(tmp_path / "started")
    pending = passes(blocker, executor="threads")
    dependent = passes(pending, executor="threads")
    assert pending.cancel() is True
    assert pending.cancelled() and pending.done()
    with pytest.raises(UpstreamTaskError) as failed:
        dependent.result(timeout=60)
    assert isinstance(failed.value.root, TaskCancelled)
    assert (failed.value.root_task, failed.value.root_resource) == ("passes", "threads")
    assert "cancelled" in str(failed.value)
    assert blocker.result(timeout=60) == "finished"
    assert blocker.cancel() is False  # done


def test_cancel_a_running_task_kills_it_on_a_local_htex_worker(workflow, tmp_path):
    pidfile = tmp_path / "pids"
    future = record_pid_and_sleep(pidfile, 600, executor="h")
    worker = int(wait_for(pidfile).split()[0])
    assert future.cancel() is True
    with pytest.raises(TaskCancelled) as failed:
        future.result(timeout=60)
    assert failed.value.running and failed.value.resource == "h"
    assert gone(worker)
    assert worker_pid(executor="h").result(timeout=60) != worker  # the pool started a new worker


def test_a_running_task_in_a_thread_cannot_be_cancelled(workflow, tmp_path):
    future = record_pid_and_sleep(tmp_path / "started", 1, executor="threads")
    wait_for(tmp_path / "started")
    assert future.cancel() is False
    assert future.result(timeout=60) == "finished"


def test_workflow_cancel_cancels_every_unfinished_task(workflow, tmp_path):
    blocker = record_pid_and_sleep(tmp_path / "started", 2, executor="threads")
    wait_for(tmp_path / "started")  # running: not cancellable in a thread
    waiting = [passes(blocker, executor="threads") for _ in range(3)]
    assert workflow.cancel() >= 3
    assert all(f.cancelled() for f in waiting)
    assert blocker.result(timeout=60) == "finished"


# -- decorator forms --------------------------------------------------------------------------

@python_task(executor="threads")
def where_default():
    import threading
    return threading.current_thread().name


@join_task(retries=1)
def joins(x):
    return passes(x, executor="threads")


def test_decorator_executor_is_the_default_and_a_call_overrides_it(workflow):
    assert "ThreadPool" in where_default().result(timeout=60)
    assert where_default(executor="h").result(timeout=60) == "MainThread"
    assert joins(5).result(timeout=60) == 5
