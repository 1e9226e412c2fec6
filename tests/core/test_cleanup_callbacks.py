"""``Workflow.on_cleanup``: what lives on a workflow (a plugin's agents) stops first when it stops,
from whichever thread ``cleanup()`` is called."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest
from chiltepin import Workflow, WorkflowError
from chiltepin.tasks import python_task

FAST = {"local": {"max_workers_per_node": 1}}


@python_task
def square(x):
    return x * x


def test_callbacks_run_once_latest_first_while_the_workers_still_run(tmp_path):
    calls = []
    workflow = Workflow(FAST, run_dir=str(tmp_path)).start()
    workflow.on_cleanup(lambda: calls.append(("first", square(2, executor="local").result())))
    workflow.on_cleanup(lambda: calls.append(("second", workflow.dfk is not None)))
    workflow.on_cleanup(lambda: calls.append(("removed", None)))()  # unregistered at once
    workflow.cleanup()
    workflow.cleanup()
    assert calls == [("second", True), ("first", 4)]


def test_a_failing_callback_does_not_stop_the_cleanup(tmp_path):
    workflow = Workflow(FAST, run_dir=str(tmp_path)).start()
    workflow.on_cleanup(lambda: 1 / 0)
    with pytest.raises(WorkflowError, match=r"workflow cleanup failed: ZeroDivisionError"):
        workflow.cleanup()
    assert workflow.dfk is None
    from chiltepin.workflow import active_workflow

    assert active_workflow() is None


@python_task
def wait_for(path):
    import os
    import time

    while not os.path.exists(path):
        time.sleep(0.05)
    return "released"


def test_with_exit_mode_wait_callbacks_run_before_the_wait(tmp_path):
    """A task that ends only when something living on the workflow stops (an agent's host task)
    must not keep ``exit_mode: wait`` waiting forever."""
    release = tmp_path / "release"
    with Workflow(FAST, run_dir=str(tmp_path / "runinfo"), exit_mode="wait") as workflow:
        held = wait_for(str(release), executor="local")
        workflow.on_cleanup(release.touch)
    assert held.result(timeout=0) == "released"  # the wait let it finish before the cleanup


PROBE = textwrap.dedent("""
    import os, signal, sys, threading
    from chiltepin import Workflow

    workflow = Workflow({"local": {"max_workers_per_node": 1}}, run_dir=sys.argv[1]).start()
    stopper = threading.Thread(target=workflow.cleanup)
    stopper.start()
    stopper.join()
    print("cleaned", flush=True)
    os.kill(os.getpid(), signal.SIGTERM)
    signal.pause()
""")


def test_cleanup_from_another_thread_hands_the_signals_back(tmp_path):
    """Only the main thread may reset signal handlers: after a cleanup from another thread, SIGTERM
    does what it did before the workflow (ends the process) instead of stopping a gone workflow."""
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "cleaned", done.stderr[-2000:]
    assert done.returncode == -signal.SIGTERM, done.stderr[-2000:]
