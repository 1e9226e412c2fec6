# ruff: noqa: B007 (the examples are as the page writes them)
"""The examples of Parsl's workflow-management page (shared/seeds/001_...txt), run as written on
real workers with the renaming only: ``@python_app`` -> ``@python_task``, ``parsl.load(config)`` ->
``Workflow(config).start()`` (or ``with Workflow(config)``), ``parsl.dfk()`` ->
``active_workflow().dfk``, ``parsl.clear()`` -> ``cleanup()``, and a Parsl ``Config`` -> a chiltepin
configuration with the same options. Deviations are marked.
"""

from __future__ import annotations

import pytest
from chiltepin import ConfigError, Workflow, WorkflowError, active_workflow
from chiltepin.tasks import python_task

HTEX = {"compute": {"max_workers_per_node": 2, "init_blocks": 1}}
#: Config(executors=[ThreadPoolExecutor(max_threads=4)])
THREADS = {"threads": {"executor": "threads", "max_threads": 4}}


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- 001: workflow management --------------------------------------------------------------------

@python_task
def my_app(i):
    return i * 10


def test_basic_workflow_management(workdir):
    config = THREADS
    dfk = Workflow(config, run_dir="runinfo").start()

    current_dfk = active_workflow().dfk
    assert current_dfk.run_id == dfk.run_id

    futures = [my_app(i) for i in range(10)]
    assert [f.result() for f in futures] == [i * 10 for i in range(10)]

    dfk.cleanup()
    assert active_workflow() is None


@python_task
def compute_task(x):
    import time
    time.sleep(x)  # Simulate work
    return x ** 2


def test_task_execution_control(workdir):
    workflow = Workflow(THREADS, run_dir="runinfo").start()
    futures = []
    for i in range(1, 6):
        future = compute_task(i)
        futures.append(future)

    workflow.wait_for_current_tasks()
    assert all(f.done() for f in futures)

    results = [f.result() for f in futures]
    assert results == [1, 4, 9, 16, 25]
    workflow.cleanup()


@python_task
def quick_task(x):
    import time
    time.sleep(0.5)
    return x


@python_task
def risky_task(i):
    import time
    time.sleep(3)
    return i


def test_context_manager_exit_modes(workdir):
    config = dict(THREADS)  # Config(executors=[ThreadPoolExecutor(max_threads=4)], exit_mode='wait')

    with Workflow(config, exit_mode='wait', run_dir="runinfo"):
        futures = [quick_task(i) for i in range(5)]
        # (the page collects results inside the block; here the block itself must wait)
    assert all(f.done() for f in futures) and [f.result() for f in futures] == list(range(5))
    assert active_workflow() is None

    try:
        with Workflow(config, exit_mode='wait', run_dir="runinfo"):
            futures = [risky_task(i) for i in range(10)]
            raise ValueError("Something went wrong")
    except ValueError as e:
        assert str(e) == "Something went wrong"
    assert active_workflow() is None, "cleaned up without waiting for the tasks"

    with Workflow(config, exit_mode='skip', run_dir="runinfo") as workflow:
        future = quick_task(7)
    assert active_workflow() is workflow, "'skip' leaves the workflow running"
    assert future.result() == 7
    workflow.cleanup()


def test_dfk_access(workdir):
    Workflow(HTEX, run_dir="runinfo").start()
    dfk = active_workflow().dfk

    assert dfk.run_id and "compute" in list(dfk.executors.keys())
    before = dfk.task_count
    futures = [my_app(i) for i in range(10)]
    assert dfk.task_count == before + 10
    for task_id, task_record in dfk.tasks.items():
        assert task_record["status"].name

    dfk.wait_for_current_tasks()
    assert all(f.done() for f in futures)
    active_workflow().cleanup()


@python_task
def long_running_task(i, counter):
    with open(counter, "a") as f:
        f.write(f"{i}\n")
    return i * i


def test_checkpointing(workdir):
    counter = str(workdir / "runs.txt")
    # checkpoint_files=get_all_checkpoints(run_dir) is chiltepin's resume=True
    with Workflow(THREADS, checkpoint_mode='task_exit', run_dir='workflow_run_20240101'):
        futures = [long_running_task(i, counter) for i in range(10)]
        results = [f.result() for f in futures]
    with Workflow(THREADS, checkpoint_mode='task_exit', resume=True, run_dir='workflow_run_20240101'):
        again = [long_running_task(i, counter).result() for i in range(12)]
    assert again[:10] == results
    assert sorted(int(n) for n in open(counter).read().split()) == list(range(10)) + [10, 11], \
        "only the tasks not checkpointed ran again"


def test_workflow_errors(workdir):
    # NoDataFlowKernelError -> WorkflowError: a task called while no workflow runs
    with pytest.raises(WorkflowError, match="no workflow is running"):
        my_app(1)
    assert active_workflow() is None
    # ConfigurationError -> ConfigError: an invalid configuration
    with pytest.raises(ConfigError, match="threads.max_thread: unknown"):
        Workflow({"threads": {"executor": "threads", "max_thread": 4}}).start()
    fallback_config = {"threads": {"executor": "threads", "max_threads": 2}}
    workflow = Workflow(fallback_config, run_dir="runinfo").start()
    try:
        futures = [my_app(i) for i in range(100)]
        results = [f.result() for f in futures]
    finally:
        workflow.wait_for_current_tasks()
        workflow.cleanup()
    assert results == [i * 10 for i in range(100)]


def process_step1(x):
    return f"{x}>1"


def process_step2(x):
    return f"{x}>2"


def process_step3(x):
    return f"{x}>3"


@python_task
def step1(input_data):
    return process_step1(input_data)


@python_task
def step2(step1_result):
    return process_step2(step1_result)


@python_task
def step3(step2_result):
    return process_step3(step2_result)


@python_task
def parallel_task(item):
    return item + 1


@python_task
def aggregate_results(results):
    # Deviation: the page's body is `[f.result() for f in futures_list]`, which works only on a
    # thread executor in Parsl (futures cannot travel to a worker); chiltepin resolves futures
    # inside lists before the task runs, so the task receives the results themselves.
    return sum(results)


@python_task
def map_task(data_chunk):
    return [item * 2 for item in data_chunk]


@python_task
def reduce_task(mapped_results):
    flattened = [item for sublist in mapped_results for item in sublist]
    return sum(flattened)


def test_workflow_patterns(workdir):
    with Workflow(HTEX, run_dir="runinfo"):
        result1 = step1("initial_data")
        result2 = step2(result1)  # Waits for step1
        result3 = step3(result2)  # Waits for step2
        assert result3.result() == "initial_data>1>2>3"

        futures = [parallel_task(item) for item in range(5)]
        final_result = aggregate_results(futures)
        assert final_result.result() == 15

        data_chunks = [list(range(i, i + 3)) for i in range(0, 30, 3)]
        map_futures = [map_task(chunk) for chunk in data_chunks]
        final_result = reduce_task(map_futures)
        assert final_result.result() == 2 * sum(range(30))
