"""``monitoring: true`` runs Parsl's resource monitoring beside the run database."""

from __future__ import annotations

import importlib.util
import os
import sqlite3

import pytest
from chiltepin import Workflow
from chiltepin.runs.reader import Run
from chiltepin.tasks import python_task


@python_task
def busy(seconds):
    import time

    end = time.time() + seconds
    while time.time() < end:
        pass
    return seconds


@pytest.mark.skipif(importlib.util.find_spec("sqlalchemy") is None, reason="parsl[monitoring] is in the dev extra")
def test_monitoring_records_resources_per_task_and_the_run_database_still_works(tmp_path):
    config = {"workflow": {"monitoring": True, "monitoring_interval": 0.3, "progress": "off"},
              "compute": {"provider": "localhost", "max_workers_per_node": 1, "init_blocks": 1}}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")) as wf:
        assert busy(1.5, executor="compute").result(timeout=120) == 1.5
        run_dir = wf.run_dir
    monitoring = sqlite3.connect(tmp_path / "runinfo" / "monitoring.db")
    samples = monitoring.execute("SELECT count(*), max(psutil_process_memory_resident) FROM resource "
                                 "WHERE task_id = 0").fetchone()
    assert samples[0] >= 1 and samples[1] > 0
    with Run(run_dir) as run:
        task = run.tasks()[0]
    assert (task["name"], task["state"], task["host"]) == ("busy", "done", os.uname().nodename)
    assert task["ended"] - task["started"] >= 1.5
