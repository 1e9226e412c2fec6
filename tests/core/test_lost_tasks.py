"""Tasks lost with their worker are resubmitted on their own budget (lost_task_retries); when it
runs out, the error says how often and where. Real HTEX workers, killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import time

import pytest
from chiltepin import TaskLost, Workflow
from chiltepin.tasks import python_task


@python_task
def record_pid_and_sleep(pidfile, seconds):
    import os
    import time
    with open(pidfile, "a") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    return "finished"


def test_lost_budget_runs_out_with_an_error_naming_each_loss(tmp_path):
    config = {"h": {"provider": "localhost", "max_workers_per_node": 1, "init_blocks": 1}}
    pidfile = tmp_path / "pids"
    with Workflow(config, run_dir=str(tmp_path / "run"), lost_task_retries=1):
        future = record_pid_and_sleep(pidfile, 30, executor="h")
        for n in (1, 2):
            deadline = time.monotonic() + 60
            while len(pidfile.read_text().split() if pidfile.exists() else []) < n:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            os.kill(int(pidfile.read_text().split()[n - 1]), signal.SIGKILL)
        with pytest.raises(TaskLost) as failed:
            future.result(timeout=120)
    error = failed.value
    assert error.task == "record_pid_and_sleep" and error.resource == "h" and len(error.losses) == 2
    assert "lost 2 times" in str(error) and "WorkerLost" in str(error)
