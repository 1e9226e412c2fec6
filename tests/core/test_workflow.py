"""The workflow lifecycle: start, cleanup, one workflow at a time, options, checkpoint and resume."""

from __future__ import annotations

import os

import parsl
import pytest
from chiltepin import ConfigError, Workflow, WorkflowError
from chiltepin.tasks import python_task

FAST = {"local": {"max_workers_per_node": 1}}


@python_task
def square(x):
    return x * x


@python_task
def count_and_square(x, counter):
    with open(counter, "a") as f:
        f.write(f"{x}\n")
    return x * x


@python_task
def fails_first_time(marker):
    import os
    if not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("first attempt fails")
    return "second attempt"


def test_context_manager_exposes_the_run(tmp_path):
    with Workflow(FAST, run_dir=str(tmp_path)) as wf:
        assert isinstance(wf, Workflow)
        future = square(7, executor="local")
        assert future.tid in wf.tasks  # finished tasks are dropped from the table by Parsl
        wf.wait_for_current_tasks()
        assert future.done() and future.result() == 49
        assert wf.run_id == wf.dfk.run_id and wf.run_dir.startswith(str(tmp_path))
        assert wf.dfk.task_count == 1 and list(wf.executors) == ["local"]
    assert wf.dfk is None and wf.run_id is None
    from parsl.dataflow.dflow import DataFlowKernelLoader

    assert DataFlowKernelLoader._dfk is None


def test_calling_without_a_workflow_says_so():
    with pytest.raises(WorkflowError, match="no workflow is running"):
        square(1, executor="local")


def test_explicit_start_and_cleanup(tmp_path):
    wf = Workflow(FAST, run_dir=str(tmp_path))
    assert wf.start() is wf
    try:
        with pytest.raises(WorkflowError, match="already running"):
            wf.start()
        assert square(3, executor="local").result() == 9
    finally:
        wf.cleanup()
    wf.cleanup()  # a second cleanup is harmless


def test_second_workflow_is_refused_and_the_first_keeps_running(tmp_path):
    with Workflow(FAST, run_dir=str(tmp_path / "a")) as first:
        with pytest.raises(WorkflowError, match=f"another workflow \\(run {first.run_id}\\) is running"):
            Workflow(FAST, run_dir=str(tmp_path / "b")).start()
        assert square(5, executor="local").result() == 25


def test_a_foreign_parsl_kernel_is_left_alone(tmp_path):
    from parsl.config import Config
    from parsl.executors import ThreadPoolExecutor

    dfk = parsl.load(Config(executors=[ThreadPoolExecutor(label="threads")], run_dir=str(tmp_path / "p")))
    try:
        with pytest.raises(WorkflowError, match="DataFlowKernel that chiltepin did not start"):
            Workflow(FAST, run_dir=str(tmp_path)).start()
        assert parsl.dfk() is dfk
    finally:
        dfk.cleanup()


def test_config_errors_start_nothing(tmp_path):
    with pytest.raises(ConfigError, match="compute.max_blocks"):
        Workflow({"compute": {"max_blocks": -2}}, run_dir=str(tmp_path)).start()
    from parsl.dataflow.dflow import DataFlowKernelLoader

    assert DataFlowKernelLoader._dfk is None
    with Workflow(FAST, run_dir=str(tmp_path)):
        assert square(2, executor="local").result() == 4


def test_cleanup_attempts_every_step(tmp_path, monkeypatch):
    log = tmp_path / "wf.log"
    wf = Workflow(FAST, run_dir=str(tmp_path), log_file=str(log)).start()
    assert square(2, executor="local").result() == 4
    real_cleanup = wf.dfk.cleanup

    def broken_cleanup():
        real_cleanup()
        raise RuntimeError("executor shutdown failed")

    monkeypatch.setattr(wf.dfk, "cleanup", broken_cleanup)
    with pytest.raises(WorkflowError, match="workflow cleanup failed: RuntimeError") as info:
        wf.cleanup()
    assert isinstance(info.value.__cause__, RuntimeError)
    assert wf._remove_log_handler is None and wf.dfk is None
    from chiltepin.workflow import active_workflow

    assert active_workflow() is None
    assert "Task 0" in log.read_text()
    with Workflow(FAST, run_dir=str(tmp_path / "again")):
        assert square(3, executor="local").result() == 9


def test_include_limits_the_resources(tmp_path):
    config = {"local": {"max_workers_per_node": 1}, "a": {"init_blocks": 0}, "b": {"init_blocks": 0}}
    with Workflow(config, include=["b"], run_dir=str(tmp_path)) as wf:
        assert sorted(wf.executors) == ["b", "local"]


def test_retries_from_the_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(f"workflow:\n  retries: 1\n  run_dir: {tmp_path / 'runs'}\nlocal:\n  max_workers_per_node: 1\n")
    with Workflow(str(path)) as wf:
        assert fails_first_time(str(tmp_path / "marker"), executor="local").result() == "second attempt"
        assert wf.run_dir.startswith(str(tmp_path / "runs"))
    with Workflow(str(path), retries=0):
        os.remove(tmp_path / "marker")
        with pytest.raises(RuntimeError, match="first attempt fails"):
            fails_first_time(str(tmp_path / "marker"), executor="local").result()


def test_checkpoint_and_resume_skip_finished_tasks(tmp_path):
    counter = tmp_path / "executions"
    run_dir = str(tmp_path / "runs")
    with Workflow(FAST, run_dir=run_dir, checkpoint_mode="task_exit"):
        assert [count_and_square(i, str(counter), executor="local").result() for i in range(3)] == [0, 1, 4]
    assert counter.read_text().split() == ["0", "1", "2"]
    with Workflow(FAST, run_dir=run_dir, checkpoint_mode="task_exit", resume=True):
        results = [count_and_square(i, str(counter), executor="local").result() for i in range(4)]
    assert results == [0, 1, 4, 9]
    assert counter.read_text().split() == ["0", "1", "2", "3"]  # only the new task ran
