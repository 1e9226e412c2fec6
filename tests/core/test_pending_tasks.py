"""Pending tasks hold a small condition variable and no launch Future: the FutureCondition under
real threads waiting on real futures in every way concurrent.futures offers, the LaunchQueue, and
the memory a burst of pending tasks holds in a real workflow against Parsl's own way."""

from __future__ import annotations

import gc
import threading
import time
import tracemalloc
from concurrent.futures import FIRST_COMPLETED, Future, TimeoutError, as_completed, wait

import pytest
from chiltepin import Workflow
from chiltepin._task_memory import FutureCondition, LaunchQueue, lighten_kernel
from chiltepin.tasks import python_task
from hypothesis import given, settings
from hypothesis import strategies as st


@python_task
def size(payload, scale=1):
    return scale


@python_task
def hold(started_file, gate_file, poll=0.01):
    import os
    import time

    open(started_file, "w").close()
    while not os.path.exists(gate_file):
        time.sleep(poll)
    return 0


def _lean_future() -> Future:
    future: Future = Future()
    future._condition = FutureCondition()  # type: ignore[attr-defined]
    return future


def _start(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def _until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_every_way_of_waiting_on_a_future_with_a_future_condition_wakes_when_it_finishes():
    future = _lean_future()
    seen: list = []
    waits = [lambda: future.result(timeout=30), lambda: future.exception(timeout=30) or "no error",
             lambda: wait([future], timeout=30, return_when=FIRST_COMPLETED).done.pop().result(),
             lambda: [f.result() for f in as_completed([future], timeout=30)][0]]
    threads = [_start(lambda w=w: seen.append(w())) for w in waits]
    _until(lambda: len(future._condition._waiters or ()) == 2)  # result() and exception() sleep on it
    future.set_result(7)
    for thread in threads:
        thread.join(30)
    assert sorted(seen, key=str) == [7, 7, 7, "no error"]
    assert future._condition._waiters is None


def test_a_wait_that_times_out_leaves_no_waiter_behind_and_the_future_still_finishes():
    future = _lean_future()
    with pytest.raises(TimeoutError):
        future.result(timeout=0.05)
    with pytest.raises(TimeoutError):
        future.result(timeout=0)
    assert not future._condition._waiters
    future.set_exception(KeyError("station"))
    assert isinstance(future.exception(timeout=0), KeyError)


@settings(max_examples=25, deadline=None)
@given(waiters=st.integers(0, 6), depth=st.integers(1, 3))
def test_notify_all_wakes_every_waiter_however_deeply_each_side_holds_the_lock(waiters, depth):
    condition = FutureCondition()
    woken: list[bool] = []

    def sleeper() -> None:
        for _ in range(depth):  # a thread holding the lock several times lets go of it all to wait
            condition.acquire()
        woken.append(condition.wait(30))
        for _ in range(depth):
            condition.release()

    threads = [_start(sleeper) for _ in range(waiters)]
    _until(lambda: len(condition._waiters or ()) == waiters)
    for _ in range(depth):
        condition.acquire()
    condition.notify_all()
    for _ in range(depth):
        condition.release()
    for thread in threads:
        thread.join(30)
    assert woken == [True] * waiters and condition._waiters is None


def test_waiting_or_notifying_without_the_lock_is_refused():
    condition = FutureCondition()
    with pytest.raises(RuntimeError, match="un-acquired"):
        condition.wait(0)
    with pytest.raises(RuntimeError, match="un-acquired"):
        condition.notify_all()


def test_the_launch_queue_runs_calls_in_order_past_a_failing_one_and_drains_on_shutdown():
    launches = LaunchQueue(name="test-launch")
    ran: list[int] = []
    gate = threading.Event()
    launches.submit(gate.wait, 30)
    for i in range(100):
        launches.submit(ran.append, i)
        if i == 50:
            launches.submit(int, "not a number")  # raises; the next calls still run
    gate.set()
    launches.shutdown(wait=True)
    assert ran == list(range(100))
    with pytest.raises(RuntimeError, match="after shutdown"):
        launches.submit(ran.append, 100)
    launches.shutdown(wait=True)  # twice is harmless


def test_the_launch_queue_can_be_shut_down_from_one_of_its_calls():
    launches = LaunchQueue(name="test-launch")
    launches.submit(launches.shutdown, True)
    launches._thread.join(30)
    assert not launches._thread.is_alive()


def _held_per_waiting_task(tmp_path, monkeypatch, lighten: bool, where: str, n: int = 1000) -> float:
    """Bytes of live Python objects per task while a burst of ``n`` tasks waits: for Parsl's
    launch thread (held busy by a call that waits on a gate), or in an HTEX whose one worker runs
    a task that waits for a gate file."""
    import chiltepin.workflow as workflow_module

    if not lighten:
        monkeypatch.setattr(workflow_module, "lighten_kernel", lambda dfk: None)
    gate, gate_file = threading.Event(), tmp_path / f"gate-{lighten}"
    config = ({"one": {"executor": "threads", "max_threads": 1}} if where == "launch queue"
              else {"one": {"max_workers_per_node": 1, "init_blocks": 1}})
    try:
        with Workflow(config, run_dir=str(tmp_path / f"run-{lighten}"), run_db=False) as wf:
            assert (type(wf.dfk._task_launch_pool) is LaunchQueue) == lighten
            if where == "launch queue":
                wf.dfk._task_launch_pool.submit(gate.wait, 60)
            else:
                started = tmp_path / f"started-{lighten}"
                hold(str(started), str(gate_file), executor="one")
                _until(started.exists, 60)  # the only worker is busy until the gate file appears
            gc.collect()
            tracemalloc.start()
            try:
                futures = [size(None, executor="one") for _ in range(n)]
                if where == "htex":
                    _until(lambda: all(f.task_record["status"].name == "launched" for f in futures), 60)
                gc.collect()
                held = tracemalloc.get_traced_memory()[0] / n
                waiting = sum(not f.done() for f in futures)
            finally:
                tracemalloc.stop()
                gate.set()
                gate_file.touch()
            assert waiting == n  # every task was still waiting while it was measured
            assert [f.result() for f in futures] == [1] * n
    finally:
        gate.set()
        gate_file.touch()
    return held


@pytest.mark.parametrize("where", ["launch queue", "htex"])
def test_a_waiting_task_holds_no_launch_future_and_small_conditions(tmp_path, monkeypatch, where):
    chiltepin_way = _held_per_waiting_task(tmp_path, monkeypatch, True, where)
    parsl_way = _held_per_waiting_task(tmp_path, monkeypatch, False, where)
    # Parsl's launch Future (queued for launch), the AppFuture's threading.Condition and the HTEX
    # Future's (sent to an HTEX) are about 0.9 KiB each.
    assert parsl_way - chiltepin_way > 1200, (parsl_way, chiltepin_way)


def test_lighten_kernel_leaves_a_kernel_it_does_not_recognise_unchanged():
    class Kernel:
        _task_launch_pool = None

        def _add_output_deps(self, executor, args, kwargs, app_fu, func, extra):  # another signature
            return func

    kernel = Kernel()
    lighten_kernel(kernel)
    assert kernel._task_launch_pool is None and "_add_output_deps" not in vars(kernel)
