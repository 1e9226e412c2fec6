"""Workflows on the real test Slurm cluster: tasks in Slurm jobs, multi-node blocks, failures."""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import TimeoutError as FutureTimeout

import pytest
from chiltepin import Workflow
from chiltepin.tasks import bash_task, python_task

pytestmark = pytest.mark.slurm

FAST = {"provider": "slurm", "partition": "debug", "walltime": "00:03:00", "init_blocks": 1,
        "heartbeat_period": 1, "heartbeat_threshold": 5, "status_polling_interval": 1}


@python_task
def where() -> dict:
    import os

    return {key: os.environ.get(key) for key in ("SLURM_JOB_ID", "SLURMD_NODENAME", "CHILTEPIN_MARK")}


@bash_task
def where_bash(path: str) -> str:
    return f'echo "$SLURM_JOB_ID $SLURMD_NODENAME $CHILTEPIN_MARK" > {path}'


@python_task
def meet(directory: str, expected: int, timeout: float = 60.0) -> str:
    """Check in from this node, then wait until ``expected`` distinct nodes have checked in."""
    import os
    import pathlib
    import time

    node = os.environ["SLURMD_NODENAME"]
    here = pathlib.Path(directory)
    (here / f"{node}.{os.getpid()}").touch()
    deadline = time.monotonic() + timeout
    while len({p.name.split(".")[0] for p in here.iterdir()}) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {sorted(p.name for p in here.iterdir())} checked in")
        time.sleep(0.1)
    return node


@python_task
def sleep(seconds: float, started: str) -> None:
    """Sleep, after creating the file ``started`` (so the caller knows a worker runs it)."""
    import pathlib
    import time

    pathlib.Path(started).touch()
    time.sleep(seconds)


def test_python_and_bash_tasks_run_inside_a_slurm_job(cluster, worker_env, tmp_path):
    # Workers connect back through the address of the interface named here (lo: 127.0.0.1).
    config = {"hpc": {**FAST, "address": "lo",
                      "environment": worker_env + ["export CHILTEPIN_MARK=from-environment"]}}
    out = tmp_path / "bash.out"
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        seen = where(executor="hpc").result(timeout=120)
        assert where_bash(str(out), executor="hpc").result(timeout=60) == 0
        running = cluster.active_jobs()
    assert seen["SLURM_JOB_ID"] in running
    assert seen["SLURMD_NODENAME"] in cluster.nodes
    assert seen["CHILTEPIN_MARK"] == "from-environment"
    assert out.read_text().split() == [seen["SLURM_JOB_ID"], seen["SLURMD_NODENAME"], "from-environment"]


def test_two_and_three_node_blocks_use_their_nodes(cluster, worker_env, tmp_path):
    """One worker per node (cores_per_node 1, not exclusive, so both blocks fit at once); each
    block's tasks only finish when every node of the block has checked in."""
    block = {**FAST, "exclusive": False, "cores_per_node": 1, "environment": worker_env}
    config = {"two": {**block, "nodes_per_block": 2}, "three": {**block, "nodes_per_block": 3}}
    (tmp_path / "two").mkdir()
    (tmp_path / "three").mkdir()
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        two = [meet(str(tmp_path / "two"), 2, executor="two") for _ in range(2)]
        three = [meet(str(tmp_path / "three"), 3, executor="three") for _ in range(3)]
        assert sorted(f.result(timeout=180) for f in two) == ["n1", "n2"]
        assert sorted(f.result(timeout=180) for f in three) == ["n1", "n2", "n3"]


def test_rejected_submission_fails_the_tasks_with_sbatch_message(cluster, worker_env, tmp_path):
    config = {"hpc": {**FAST, "partition": "no-such-partition", "environment": worker_env}}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        future = where(executor="hpc")
        with pytest.raises(Exception) as caught:
            future.result(timeout=30)
    message = str(caught.value)
    assert "sbatch rejected block parsl.hpc.block-0" in message
    assert "invalid partition" in message.lower()
    assert not isinstance(caught.value, FutureTimeout)


def test_block_whose_workers_cannot_start_fails_the_tasks_with_its_stderr(cluster, tmp_path):
    """No chiltepin Python on the block's PATH: the job ends at once and the tasks fail with what
    the job printed, instead of waiting for workers that never come."""
    config = {"hpc": {**FAST, "environment": ["export PATH=/usr/bin:/bin"]}}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        future = where(executor="hpc")
        with pytest.raises(Exception) as caught:
            future.result(timeout=60)
    assert not isinstance(caught.value, FutureTimeout)
    assert "process_worker_pool.py: command not found" in str(caught.value)


def test_block_cancelled_under_running_task_resubmits_the_task(cluster, worker_env, tmp_path):
    """The task on the cancelled block is not lost (nor does it hang): it runs again on a new
    block (chiltepin.failures), which later tasks use too."""
    config = {"hpc": {**FAST, "environment": worker_env}}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        job = where(executor="hpc").result(timeout=120)["SLURM_JOB_ID"]
        started = tmp_path / "started"
        running = sleep(300, str(started), executor="hpc")
        deadline = time.monotonic() + 60
        while not started.exists():
            assert time.monotonic() < deadline and not running.done(), "the task never started"
            time.sleep(0.1)
        started.unlink()
        subprocess.run(["scancel", job], check=True, timeout=30)
        deadline = time.monotonic() + 120
        while not started.exists():
            assert time.monotonic() < deadline, "the task was not run again after its block was cancelled"
            assert not running.done(), f"the task ended instead of being resubmitted: {running.exception()!r}"
            time.sleep(0.1)
        later = cluster.active_jobs()
        assert later and job not in later
