"""Parsl's MPI task scheduler with chiltepin's backlog fix: tasks that do not fit wait, none is lost.

Runs Parsl's real ``MPITaskScheduler`` (as the worker pool's manager does) on a two-node node file,
feeding it task and result messages directly.
"""

from __future__ import annotations

import pickle
import queue

import pytest
from chiltepin_mpi.worker_pool import patch_scheduler
from parsl.executors.high_throughput import mpi_resource_management


@pytest.fixture
def scheduler(tmp_path, monkeypatch):
    nodes = tmp_path / "nodes"
    nodes.write_text("n1\nn2\n")
    monkeypatch.delenv("SLURM_NODELIST", raising=False)
    monkeypatch.setenv("PBS_NODEFILE", str(nodes))
    monkeypatch.setattr(mpi_resource_management.MPITaskScheduler, "_schedule_backlog_tasks",
                        mpi_resource_management.MPITaskScheduler._schedule_backlog_tasks)
    patch_scheduler()
    return mpi_resource_management.MPITaskScheduler(queue.Queue(), queue.Queue())


def task(task_id, nodes):
    return {"task_id": task_id, "context": {"resource_spec": {"num_nodes": nodes}}, "buffer": b""}


def placed(scheduler):
    out = {}
    while not scheduler.pending_task_q.empty():
        message = scheduler.pending_task_q.get()
        out[message["task_id"]] = message["context"]["resource_spec"]["MPI_NODELIST"].split(",")
    return out


def finish(scheduler, task_id):
    scheduler.pending_result_q.put(pickle.dumps({"type": "result", "task_id": task_id}))
    assert pickle.loads(scheduler.get_result(timeout=5))["task_id"] == task_id


def test_backlogged_tasks_that_still_do_not_fit_wait_for_the_next_result(scheduler):
    for task_id, nodes in ((1, 1), (2, 1), (3, 2), (4, 2)):
        scheduler.put_task(task(task_id, nodes))
    first = placed(scheduler)
    assert sorted(first) == [1, 2] and sorted(first[1] + first[2]) == ["n1", "n2"]

    finish(scheduler, 1)  # one node free: neither 2-node task fits (Parsl itself recursed forever here)
    assert placed(scheduler) == {} and scheduler._backlog_queue.qsize() == 2

    finish(scheduler, 2)
    second = placed(scheduler)
    assert len(second) == 1 and sorted(next(iter(second.values()))) == ["n1", "n2"]
    assert scheduler._backlog_queue.qsize() == 1

    finish(scheduler, next(iter(second)))
    third = placed(scheduler)
    assert set(third) | set(second) == {3, 4} and scheduler._backlog_queue.qsize() == 0
