"""The run database of a task on a block of the real test Slurm cluster: the task's scheduler job
id and node, and the block's job id and state changes."""

from __future__ import annotations

import pytest
from chiltepin import Workflow
from chiltepin.runs.reader import Run
from chiltepin.tasks import python_task

pytestmark = pytest.mark.slurm


@python_task
def slurm_job() -> tuple[str, str]:
    import os

    return os.environ["SLURM_JOB_ID"], os.environ["SLURMD_NODENAME"]


def test_task_on_a_slurm_block_records_its_job_id(cluster, worker_env, tmp_path):
    config = {"workflow": {"progress": "off"},
              "hpc": {"provider": "slurm", "partition": "debug", "walltime": "00:03:00", "init_blocks": 1,
                      "address": "lo", "status_polling_interval": 1, "environment": worker_env}}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")) as wf:
        job, node = slurm_job(executor="hpc").result(timeout=120)
        run_dir = wf.run_dir
    with Run(run_dir) as run:
        task = next(t for t in run.tasks() if t["name"] == "slurm_job")
        blocks = [b for b in run.blocks() if b["resource"] == "hpc"]
        events = [r["state"] for r in run.db.execute(
            "SELECT state FROM block_events WHERE resource = 'hpc' ORDER BY rowid")]
    assert (task["state"], task["resource"], task["job_id"]) == ("done", "hpc", job)
    assert task["host"] is not None and task["block"] == "0"
    assert [(b["block"], b["job_id"]) for b in blocks] == [("0", job)]
    assert events[0] == "pending" and "running" in events
