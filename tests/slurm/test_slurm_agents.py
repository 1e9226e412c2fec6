"""Agents hosted in a block of the real test Slurm cluster, through a real Redis exchange
(redis-server on 127.0.0.1, which the cluster's nodes share); each agent's own workflow runs
inside the Slurm job."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("chiltepin_agents", reason="chiltepin-agents is not installed (make venv installs it)")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agents"))  # the agents of the docs page

from chiltepin import Workflow  # noqa: E402
from chiltepin_agents import AgentLostError, AgentRuntime  # noqa: E402
from chiltepin_agents.testing import tag_processes, wait_until_gone  # noqa: E402
from weather_agents import Collector, Forecaster, Sensor  # noqa: E402

pytestmark = pytest.mark.slurm

BLOCK = {"provider": "slurm", "partition": "debug", "walltime": "00:05:00", "init_blocks": 1, "max_blocks": 1,
         "address": "lo", "heartbeat_period": 1, "heartbeat_threshold": 5, "status_polling_interval": 1,
         "max_workers_per_node": 4, "cores_per_worker": 0.1}
AGENT_CONFIG = {"local": {"provider": "localhost", "init_blocks": 0, "max_blocks": 1},  # unused: no block
                "compute": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1, "max_workers_per_node": 1,
                            "environment": ["export FORECAST_RESOURCE=compute"]}}


def hosting(redis_address, worker_env, tmp_path) -> Workflow:
    return Workflow({"hpc": {**BLOCK, "environment": worker_env},
                     "agents": {"exchange": "redis", "address": redis_address, "resource": "hpc", "heartbeat": 1}},
                    include=["hpc"], run_dir=str(tmp_path / "runinfo"))


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=280))


def test_examples_in_a_slurm_block_then_the_block_is_cancelled(cluster, worker_env, redis_address, tmp_path):
    """One block serves both: the examples run in it, then it is cancelled under a live agent."""
    tag = tag_processes()
    with hosting(redis_address, worker_env, tmp_path) as workflow:
        async def main():
            async with await AgentRuntime(workflow).manager() as manager:
                forecaster = await manager.launch(Forecaster, args=("BOU",), agent_workflow_config=AGENT_CONFIG)
                sensors = [await manager.launch(Sensor, args=(r,)) for r in (2.0, 4.0)]
                collector = await manager.launch(Collector, args=(sensors,))
                result = await forecaster.forecast(2, executor="compute")
                jobs = cluster.active_jobs()  # the agents are up: they live in the block's job
                code = await forecaster.archive(str(tmp_path / "archive.txt"), executor="compute")
                mean = await collector.mean()
                for job in jobs:
                    subprocess.run(["scancel", job], check=True, timeout=30)
                with pytest.raises(AgentLostError) as lost:
                    while True:
                        await sensors[0].read()
                        await asyncio.sleep(0.2)
                return jobs, result, code, mean, lost.value

        jobs, result, code, mean, lost = run(main())
    assert len(jobs) == 1
    assert result["resource"] == "compute" and code == 0 and mean == 3.0
    assert (tmp_path / "archive.txt").read_text().split() == ["BOU", "compute"]
    assert "agent 'Sensor'" in str(lost) and "on resource 'hpc' is lost" in str(lost)
    assert not wait_until_gone(tag, timeout=60), "a process of the cancelled block outlived the workflow"
