"""chiltepin.concurrent.PoolExecutor against the contract of concurrent.futures.Executor, on real
local HTEX workers, and the ParslPoolExecutor example of shared/seeds/003_...txt as written (with
``ParslPoolExecutor`` -> ``PoolExecutor`` and Parsl's ``htex_local`` config -> a chiltepin one)."""

from __future__ import annotations

import concurrent.futures
from concurrent.futures import FIRST_COMPLETED, CancelledError, TimeoutError, as_completed, wait

import pytest
from chiltepin import Workflow, WorkflowError, active_workflow
from chiltepin.concurrent import PoolExecutor
from chiltepin.tasks import python_task

config = {"htex_local": {"max_workers_per_node": 2, "init_blocks": 1}}


# NOTE: Functions used by the ParslPoolExecutor do _not_ use decorators
def generate(limit):
    """Generate a random integer and return it"""
    from random import randint
    return randint(1, limit)


def test_seed_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with PoolExecutor(config) as pool:
        outputs = pool.map(generate, range(1, 5))
    values = list(outputs)  # readable after the block
    assert len(values) == 4 and all(1 <= v <= limit for v, limit in zip(values, range(1, 5), strict=True))
    assert active_workflow() is None, "the pool stopped the workflow it started"


def square(x):
    return x * x


def slow(x, seconds=1.0):
    import time
    time.sleep(seconds)
    return x


def fail(x):
    raise LookupError(f"no {x}")


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    with Workflow(config, run_dir=str(tmp_path_factory.mktemp("pool") / "runinfo")) as wf:
        yield wf


def test_is_an_executor_on_the_running_workflow(running):
    pool = PoolExecutor(executor="htex_local")
    assert isinstance(pool, concurrent.futures.Executor) and pool.workflow is running
    future = pool.submit(square, 7)
    assert isinstance(future, concurrent.futures.Future) and future.result() == 49
    assert pool.submit(pow, 2, exp=5).result() == 32, "keyword arguments reach the function"
    pool.shutdown()
    assert active_workflow() is running, "a borrowed workflow keeps running"
    with pytest.raises(RuntimeError, match="cannot schedule new futures after shutdown"):
        pool.submit(square, 1)


def test_map_order_chunks_and_iterables(running):
    with PoolExecutor() as pool:
        assert list(pool.map(square, range(10))) == [x * x for x in range(10)]
        assert list(pool.map(square, range(10), chunksize=3)) == [x * x for x in range(10)]
        assert list(pool.map(pow, [2, 3, 4], [1, 2])) == [2, 9]
        assert list(pool.map(square, [])) == []
        with pytest.raises(ValueError, match="chunksize must be >= 1"):
            pool.map(square, [1], chunksize=0)


def test_exceptions_keep_their_type(running):
    with PoolExecutor() as pool:
        with pytest.raises(LookupError, match="no 3"):
            pool.submit(fail, 3).result()
        results = pool.map(fail, [1, 2])
        with pytest.raises(LookupError, match="no 1"):
            next(results)
        assert isinstance(pool.submit(fail, 4).exception(), LookupError)


def test_map_timeout(running):
    with PoolExecutor() as pool:
        results = pool.map(slow, [0.1, 0.2], [3, 3], timeout=0.5)
        with pytest.raises(TimeoutError):
            list(results)


def test_as_completed_and_wait(running):
    with PoolExecutor() as pool:
        futures = [pool.submit(slow, i, 0.2 * i) for i in range(4)]
        assert sorted(f.result() for f in as_completed(futures, timeout=120)) == [0, 1, 2, 3]
        first = pool.submit(slow, "late", 3)
        quick = pool.submit(square, 3)
        done, not_done = wait([first, quick], return_when=FIRST_COMPLETED, timeout=120)
        assert quick in done
        done, not_done = wait([first, quick], timeout=120)
        assert not not_done and first.result() == "late"


def test_futures_feed_tasks(running):
    add_one = python_task(_add_one)
    with PoolExecutor() as pool:
        assert add_one(pool.submit(square, 4)).result() == 17


def _add_one(x):
    return x + 1


def test_shutdown_cancel_futures(running):
    pool = PoolExecutor(executor=["htex_local"])
    futures = [pool.submit(slow, i, 2) for i in range(6)]
    pool.shutdown(wait=True, cancel_futures=True)
    assert all(f.done() for f in futures)
    cancelled = [f for f in futures if f.cancelled()]
    assert cancelled, "calls whose results had not arrived were cancelled"
    with pytest.raises(CancelledError):
        cancelled[0].result()


def test_shutdown_without_wait(running):
    pool = PoolExecutor()
    future = pool.submit(slow, "x", 0.5)
    pool.shutdown(wait=False)
    assert future.result() == "x"


def test_bad_use(running):
    with pytest.raises(TypeError, match="workflow options \\(retries\\) apply only to a workflow the pool starts"):
        PoolExecutor(retries=2)
    with pytest.raises(Exception, match="PoolExecutor: unknown resource 'nope'"):
        PoolExecutor(executor="nope")
    with pytest.raises(WorkflowError, match="another workflow"):
        PoolExecutor(config)
    with PoolExecutor() as pool:
        with pytest.raises(TypeError, match="is a chiltepin task: call it directly"):
            pool.submit(python_task(square), 2)
        with pytest.raises(TypeError, match="is not callable"):
            pool.submit(3)
