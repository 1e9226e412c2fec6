"""Checkpoints, resume and the task cache, counting real executions.

Checkpoints load only when asked (``resume``), for every checkpoint_mode; ``resume`` may name an
earlier run_dir; ``cache=True`` tasks are served across runs until their source changes; and a
workflow killed with SIGKILL mid-run, started again with resume, runs none of its finished tasks.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest
from chiltepin import Workflow
from chiltepin.tasks import python_task

THREADS = {"t": {"executor": "threads", "max_threads": 2}}


@python_task
def counted(x, counter):
    with open(counter, "a") as f:
        f.write(f"{x}\n")
    return x * 10


def executions(counter) -> list[str]:
    return counter.read_text().split() if counter.exists() else []


def run(run_dir, counter, xs, **options):
    with Workflow(THREADS, run_dir=str(run_dir), **options) as wf:
        results = [counted(x, str(counter), executor="t").result(timeout=60) for x in xs]
        if options.get("checkpoint_mode") == "manual":
            wf.checkpoint()
    return results


@pytest.mark.parametrize("mode", ["task_exit", "periodic", "dfk_exit", "manual"])
def test_each_checkpoint_mode_resumes_only_when_asked(tmp_path, mode):
    counter, run_dir = tmp_path / "count", tmp_path / "runs"
    extra = {"checkpoint_period": "00:00:01"} if mode == "periodic" else {}
    assert run(run_dir, counter, [1, 2], checkpoint_mode=mode, **extra) == [10, 20]
    assert run(run_dir, counter, [1, 2, 3], checkpoint_mode=mode, resume=True, **extra) == [10, 20, 30]
    assert executions(counter) == ["1", "2", "3"]  # resumed: only the new task ran
    run(run_dir, counter, [1], checkpoint_mode=mode, **extra)
    assert executions(counter) == ["1", "2", "3", "1"]  # not resumed: checkpoints are not loaded


def test_resume_from_an_earlier_run_dir_into_a_new_one(tmp_path):
    counter = tmp_path / "count"
    run(tmp_path / "first", counter, [1, 2], checkpoint_mode="task_exit")
    assert run(tmp_path / "second", counter, [1, 2, 3], checkpoint_mode="task_exit",
               resume=str(tmp_path / "first")) == [10, 20, 30]
    assert executions(counter) == ["1", "2", "3"]


def _load(path, source, name):
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STEP = """
from chiltepin.tasks import python_task

@python_task(cache=True)
def step(x, counter):
    with open(counter, "a") as f:
        f.write(f"{{x}}\\n")
    return x {op}
"""


def test_cache_serves_unchanged_tasks_across_runs_and_reruns_edited_ones(tmp_path):
    counter, run_dir = tmp_path / "count", str(tmp_path / "runs")

    def go(module, xs):
        with Workflow(THREADS, run_dir=run_dir):
            return [module.step(x, str(counter), executor="t").result(timeout=60) for x in xs]

    first = _load(tmp_path / "steps_v1.py", STEP.format(op="+ 1"), "steps_v1")
    assert go(first, [1, 2]) == [2, 3]
    assert go(first, [1, 2, 5]) == [2, 3, 6]  # a new run: 1 and 2 come from the cache
    assert executions(counter) == ["1", "2", "5"]
    edited = _load(tmp_path / "steps_v1.py", STEP.format(op="* 100"), "steps_v1")
    assert go(edited, [1]) == [100]  # the body changed, so the task ran again
    assert executions(counter) == ["1", "2", "5", "1"]


DRIVER = """
import sys, time
from chiltepin import Workflow
from chiltepin.tasks import python_task

@python_task
def slow(x, counter):
    import time
    with open(counter, "a") as f:
        f.write(f"{x}\\n")
    time.sleep(0.3)
    return x

run_dir, counter, finished = sys.argv[1:4]
with Workflow({"t": {"executor": "threads", "max_threads": 1}}, run_dir=run_dir,
              checkpoint_mode="task_exit", resume=len(sys.argv) > 4):
    futures = [slow(x, counter, executor="t") for x in range(12)]
    for x, future in enumerate(futures):
        future.result()
        with open(finished, "a") as f:
            f.write(f"{x}\\n")
"""


def test_a_workflow_killed_with_sigkill_and_resumed_runs_no_finished_task(tmp_path):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    counter, finished, run_dir = tmp_path / "count", tmp_path / "finished", tmp_path / "runs"
    args = [sys.executable, str(script), str(run_dir), str(counter), str(finished)]
    proc = subprocess.Popen(args)
    deadline = time.monotonic() + 120
    while len(executions(finished)) < 4:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    helpers = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = set(executions(finished))
    _reap(helpers)
    subprocess.run(args + ["resume"], check=True, timeout=300)
    second_run = executions(counter)[len(executions(counter)) - (12 - len(done_before)):]
    assert sorted(executions(finished), key=int)[-1] == "11"
    ran_again = done_before & set(second_run)
    assert not ran_again, f"finished tasks ran again after resume: {sorted(ran_again)}"
    assert sorted(set(executions(counter)), key=int) == [str(x) for x in range(12)]


def _reap(helpers: list[psutil.Process]) -> None:
    """The killed workflow's helper processes (recorded by PID before the kill) are stopped here."""
    for helper in helpers:
        try:
            helper.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(helpers, timeout=10)
