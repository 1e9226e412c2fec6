"""Faults with real Slurm blocks: a block cancelled mid-task (its tasks are resubmitted on a new
block), and the workflow process stopped by SIGTERM, SIGHUP or SIGKILL (its jobs are cancelled
and no process of the run is left)."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest
from chiltepin import Workflow
from chiltepin.tasks import python_task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stopping import signal_and_wait, start_run  # noqa: E402

pytestmark = pytest.mark.slurm

FAST = {"provider": "slurm", "partition": "debug", "walltime": "00:03:00", "init_blocks": 1,
        "heartbeat_period": 1, "heartbeat_threshold": 4, "status_polling_interval": 1}


@python_task
def job_then_sleep(started: str, seconds: float) -> str:
    import os
    import time

    with open(started, "a") as f:
        f.write(os.environ["SLURM_JOB_ID"] + "\n")
    time.sleep(seconds)
    return os.environ["SLURM_JOB_ID"]


def test_a_task_whose_block_is_cancelled_is_resubmitted_on_a_new_block(cluster, worker_env, tmp_path):
    started = tmp_path / "started"
    config = {"hpc": {**FAST, "environment": worker_env}}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        future = job_then_sleep(str(started), 8, executor="hpc")
        deadline = time.monotonic() + 120
        while not (started.exists() and started.read_text().strip()):
            assert time.monotonic() < deadline, "the task did not start in a Slurm job"
            time.sleep(0.1)
        first_job = started.read_text().split()[0]
        cluster.run("scancel", first_job)
        second_job = future.result(timeout=240)
    assert second_job != first_job
    assert started.read_text().split() == [first_job, second_job]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_a_stopped_or_killed_workflow_leaves_no_job_and_no_process(cluster, worker_env, tmp_path, signum):
    config = {"r": {**FAST, "environment": worker_env}}
    run = start_run(config, tmp_path)
    try:
        jobs = set(cluster.active_jobs())
        assert jobs, "the run's block is not in the queue"
        code, died = signal_and_wait(run, signum)
        assert code == (128 + signum if signum != signal.SIGKILL else -signal.SIGKILL)
        bound = 10 if signum != signal.SIGKILL else 30
        deadline = died + bound
        while jobs & set(cluster.active_jobs()) and time.time() < deadline:
            time.sleep(0.2)
        assert not jobs & set(cluster.active_jobs()), "the run's Slurm jobs are still queued or running"
        assert run.leftovers(within=max(0.0, deadline - time.time())) == []
        if signum == signal.SIGKILL:
            assert [t for t in run.task_starts() if t > died + 5] == []
    finally:
        run.kill_leftovers()
