"""Walltime-aware blocks on the real test Slurm cluster.

A resource with a 1-minute walltime (Slurm's shortest) and ``drain_margin: 10`` stops giving its
workers new tasks 50 s after they start. The workload is 70 one-second tasks (70 s on one worker,
more than a block's walltime) plus one straggler that, the first time it runs, outlasts its block:
the block drains, Slurm ends it at its walltime, the straggler is resubmitted and the next block
(``max_blocks: 1``, so only after the first has gone) finishes everything. Every task writes a
line when it starts and when it completes, so executions are counted, and squeue shows the
successive jobs. Runs in about two minutes: a block's walltime, the next block's start and the
rest of the work (Slurm checks time limits every 30 s; worker start-up is slower under load).
"""

from __future__ import annotations

import collections
import datetime
import itertools
import re
from pathlib import Path

import pytest
from chiltepin import Workflow
from chiltepin.config.resolve import resolve_resource
from chiltepin.errors import ConfigError
from chiltepin.plugins import get_plugin_manager
from chiltepin.tasks import bash_task

SHORT_TASKS = 70


@bash_task
def short_task(log: str) -> str:
    return f"echo start $SLURM_JOB_ID >> {log}; sleep 1; echo end $SLURM_JOB_ID >> {log}"


@bash_task
def straggler(log: str, marker: str) -> str:
    """Outlasts its block the first time (the marker is missing), then is quick."""
    return (f"echo start $SLURM_JOB_ID >> {log}; "
            f"if [ -e {marker} ]; then sleep 1; else touch {marker}; sleep 600 || exit $?; fi; "
            f"echo end $SLURM_JOB_ID >> {log}")


def runs(log: Path) -> tuple[list[str], list[str]]:
    """The Slurm job ids of the starts and of the completions one task logged."""
    lines = [line.split() for line in log.read_text().splitlines()]
    return [job for kind, job in lines if kind == "start"], [job for kind, job in lines if kind == "end"]


@pytest.mark.slurm
@pytest.mark.timeout(480)
def test_work_longer_than_a_walltime_completes_on_successive_blocks(cluster, worker_env, tmp_path):
    config = {"walltime": {"provider": "slurm", "partition": "debug", "walltime": "00:01:00", "drain_margin": 10,
                           "nodes_per_block": 1, "cores_per_node": 2, "exclusive": False, "max_workers_per_node": 2,
                           "init_blocks": 1, "max_blocks": 1, "status_polling_interval": 1,
                           "heartbeat_period": 1, "heartbeat_threshold": 5, "environment": worker_env}}
    logs = tmp_path / "logs"
    logs.mkdir()
    with Workflow(config, run_dir=str(tmp_path / "runinfo"), strategy_period=0.5) as workflow:
        assert workflow.executors["walltime"].drain_period == 50
        late = straggler(str(logs / "straggler"), str(tmp_path / "marker"), executor="walltime")
        futures = [short_task(str(logs / f"task{i}"), executor="walltime") for i in range(SHORT_TASKS)]
        assert [f.result(timeout=400) for f in futures] == [0] * SHORT_TASKS
        assert late.result(timeout=400) == 0

    completions = collections.Counter()
    for i in range(SHORT_TASKS):
        starts, ends = runs(logs / f"task{i}")
        assert len(starts) == 1 and len(ends) == 1, f"task {i} ran {len(starts)} time(s), completed {len(ends)}"
        completions[ends[0]] += 1
    starts, ends = runs(logs / "straggler")
    assert len(starts) == 2 and len(ends) == 1 and starts[0] != ends[0], (starts, ends)

    assert len(completions) >= 2, f"the short tasks completed on one block only: {completions}"
    jobs = sorted({*completions, *starts}, key=int)
    queue = cluster.run("squeue", "-h", "-t", "all", "-j", ",".join(jobs), "-o", "%i %j %T %S %e").stdout
    rows = {row.split()[0]: row.split()[1:] for row in queue.splitlines()}
    assert set(rows) == set(jobs), queue
    assert all(re.fullmatch(r"parsl\.walltime\.block-\d+\.[\d.]+", name) for name, *_ in rows.values()), queue
    assert rows[starts[0]][1] == "TIMEOUT", queue
    times = [(datetime.datetime.fromisoformat(rows[j][2]), datetime.datetime.fromisoformat(rows[j][3])) for j in jobs]
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(times)), f"not successive:\n{queue}"


@pytest.mark.parametrize("block, message", [
    ({"walltime": "00:05:00", "drain_margin": 300},
     r"hpc.drain_margin: 300 s is not shorter than walltime \(00:05:00 = 300 s\)"),
    ({"walltime": "00:01:00", "drain_margin": 3600}, r"hpc.drain_margin: 3600 s is not shorter than walltime"),
    ({"drain_margin": -5}, r"hpc.drain_margin: .*at least 0"),
])
@pytest.mark.parametrize("provider", ["slurm", "pbspro"])
def test_a_drain_margin_not_shorter_than_the_walltime_is_refused(provider, block, message):
    with pytest.raises(ConfigError, match=message):
        resolve_resource("hpc", {"provider": provider, **block}, get_plugin_manager())


@pytest.mark.parametrize("walltime, margin, drain", [
    ("00:10:00", None, 540), ("02:00:00", None, 6480), ("2-00:00:00", None, 172800 - 900),
    ("00:01:00", None, 30), ("00:01:00", 15, 45), ("01:00:00", 0, None),
])
def test_the_drain_period_is_the_walltime_minus_the_margin(walltime, margin, drain, tmp_path):
    block = {"provider": "slurm", "walltime": walltime, **({"drain_margin": margin} if margin is not None else {})}
    executor = Workflow({"hpc": block}, run_dir=str(tmp_path))
    assert f"--drain_period={drain} " in executor.job_script("hpc")
