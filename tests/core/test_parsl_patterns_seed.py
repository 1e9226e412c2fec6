# ruff: noqa: B007, E741, UP015, UP030, UP031, UP032 (the examples are as the page writes them)
"""The examples of Parsl's parallel-patterns page (shared/seeds/003_...txt), run as written on real
local HTEX workers with the renaming only: ``@python_app``/``@bash_app`` -> ``@python_task``/
``@bash_task``, ``parsl.load()`` -> the ``htex`` fixture's ``Workflow``. The ParslPoolExecutor
example is in test_pool_executor.py. Deviation: the page names two apps ``generate``; the one that
writes files is ``generate_file`` here.
"""

from __future__ import annotations

import pytest
from chiltepin import Workflow
from chiltepin.tasks import bash_task, python_task

HTEX = {"compute": {"max_workers_per_node": 2, "init_blocks": 1}}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """The page's relative paths assume workers share the workflow's working directory, as local
    workers do: enter it before the workflow starts its workers."""
    path = tmp_path_factory.mktemp("parsl-patterns")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(path)
        yield path


@pytest.fixture(scope="module")
def htex(workdir):
    with Workflow(HTEX, run_dir=str(workdir / "runinfo")) as wf:
        yield wf


# -- 003: parallel patterns ----------------------------------------------------------------------

@python_task
def app_random():
    import random
    return random.random()


def test_bag_of_tasks(htex):
    results = []
    for i in range(0, 10):
        x = app_random()
        results.append(x)

    values = [r.result() for r in results]
    assert len(set(values)) == 10 and all(0 <= v < 1 for v in values)


@python_task
def generate(limit):
    from random import randint
    """Generate a random integer and return it"""
    return randint(1, limit)


@bash_task
def save(message, outputs=()):
    return 'echo {} &> {}'.format(message, outputs[0])


def test_sequential_workflow(htex, workdir):
    message = generate(10)

    saved = save(message, outputs=['output.txt'])

    with open(saved.outputs[0].result(), 'r') as f:
        text = f.read()
    assert text == f"{message.result()}\n" and 1 <= int(text) <= 10
    assert saved.outputs[0].result() == 'output.txt', "the output is the path the user gave"


@python_task
def wait_sleep_double(x, foo_1, foo_2):
    import time
    time.sleep(2)   # Sleep for 2 seconds
    return x*2


def test_parallel_workflow(htex):
    doubled_x = wait_sleep_double(10, None, None)
    doubled_y = wait_sleep_double(10, None, None)

    doubled_z = wait_sleep_double(10, doubled_x, doubled_y)

    assert doubled_z.result() == 20
    assert doubled_x.done() and doubled_y.done(), "the third app waited for the first two"


def test_parallel_workflow_with_loops(htex):
    rand_nums = []
    for i in range(1, 5):
        rand_nums.append(generate(i))

    # Wait for all apps to finish and collect the results
    outputs = [r.result() for r in rand_nums]
    assert all(1 <= value <= limit for value, limit in zip(outputs, range(1, 5), strict=True))


@bash_task
def generate_file(outputs=()):
    return 'echo $(( RANDOM % (10 - 5 + 1 ) + 5 )) &> {}'.format(outputs[0])


@bash_task
def concat(inputs=(), outputs=(), stdout='stdout.txt', stderr='stderr.txt'):
    return 'cat {0} >> {1}'.format(' '.join(inputs), outputs[0])


@python_task
def total(inputs=()):
    total = 0
    with open(inputs[0].filepath, 'r') as f:
        for l in f:
            total += int(l)
    return total


def test_files_between_tasks(htex, workdir):
    # Create 5 files with random numbers (the page names this app `generate` too)
    output_files = []
    for i in range (5):
        output_files.append(generate_file(outputs=['random-%s.txt' % i]))

    # Concatenate the files into a single file
    cc = concat(inputs=[i.outputs[0] for i in output_files], outputs=['all.txt'])

    # Calculate the average of the random numbers
    totals = total(inputs=[cc.outputs[0]])

    result = totals.result()
    numbers = [int((workdir / f"random-{i}.txt").read_text()) for i in range(5)]
    assert result == sum(numbers) and all(5 <= n <= 10 for n in numbers)
    assert (workdir / "all.txt").read_text().split() == [str(n) for n in numbers]


@python_task
def app_double(x):
    return x*2


@python_task
def app_sum(inputs=()):
    return sum(inputs)


def test_map_reduce(htex):
    items = range(0,4)

    mapped_results = []
    for i in items:
        x = app_double(i)
        mapped_results.append(x)

    total = app_sum(inputs=mapped_results)

    assert total.result() == 12


