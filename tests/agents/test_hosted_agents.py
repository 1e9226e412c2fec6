"""Agents on the workers of a local HTEX resource, talking through a real Redis exchange
(redis-server on 127.0.0.1); each agent starts its own workflow on its worker.

The tests share one hosting workflow (its workers outlive each test's agents; a killed worker is
restarted by its pool); each test checks that its agents' own workflows left no process behind.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from chiltepin import Workflow
from chiltepin_agents import AgentRuntime
from lost_hosts import kill_host_until_lost
from weather_agents import Collector, Forecaster, Sensor, WeatherModel

#: The workflow that hosts agents: one block of workers on this machine.
HOSTS = {"local": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1, "max_workers_per_node": 6,
                   "cores_per_worker": 0.1}}  # an agent holds a worker while it lives, mostly idle
#: Each agent's own workflow: its tasks run on 'compute', whose workers say so in their environment
#: (its always-loaded 'local' resource starts no block).
AGENT_CONFIG = {"local": {"provider": "localhost", "init_blocks": 0, "max_blocks": 1},
                "compute": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1, "max_workers_per_node": 1,
                            "environment": ["export FORECAST_RESOURCE=compute"]}}


@pytest.fixture(scope="module")
def workflow(redis_address, tmp_path_factory):
    config = {**HOSTS, "agents": {"exchange": "redis", "address": redis_address, "resource": "local",
                                  "heartbeat": 1}}
    with Workflow(config, run_dir=str(tmp_path_factory.mktemp("hosting") / "runinfo")) as workflow:
        yield workflow


@pytest.fixture
def agent_workflows_gone(workflow):
    """After the test, no process of any agent's own workflow is alive (the hosting workflow's stay)."""
    from stopping import session_run_processes

    yield
    hosting, session = os.environ["CHILTEPIN_RUN"], os.environ["CHILTEPIN_TEST_SESSION"]
    deadline = time.monotonic() + 60
    while (left := session_run_processes(session, hosting)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"processes of an agent's workflow were left behind: {[p.pid for p in left]}"


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=280))


def test_examples_on_local_workers(workflow, tmp_path, agent_workflows_gone):
    agent_dirs = set(Path(workflow.run_dir).glob("agents/Forecaster-*"))

    async def main():
        async with await AgentRuntime(workflow).manager() as manager:
            model = await manager.launch(WeatherModel, args=(20.0,))
            forecaster = await manager.launch(Forecaster, args=("BOU",), agent_workflow_config=AGENT_CONFIG)
            sensors = [await manager.launch(Sensor, args=(r,)) for r in (1.0, 5.0)]
            collector = await manager.launch(Collector, args=(sensors,))

            assert await model.set_temperature(30.0) == 30.0
            first = await model.steps()
            await asyncio.sleep(0.5)
            assert await model.steps() > first
            host = await forecaster.host()
            result = await forecaster.forecast(3, executor="compute")
            code = await forecaster.archive(str(tmp_path / "archive.txt"), executor="compute")
            mean = await collector.mean()
            return host, result, code, mean

    host, result, code, mean = run(main())
    assert host != os.getpid()
    assert result["resource"] == "compute" and result["pid"] not in (host, os.getpid())
    assert code == 0 and (tmp_path / "archive.txt").read_text().split() == ["BOU", "compute"]
    assert mean == 3.0
    new_dirs = set(Path(workflow.run_dir).glob("agents/Forecaster-*")) - agent_dirs
    assert len(new_dirs) == 1, "the agent's workflow runs in its own directory under the run"


def test_agents_stop_with_their_manager(workflow, agent_workflows_gone):
    async def main():
        async with await AgentRuntime(workflow).manager() as manager:
            forecaster = await manager.launch(Forecaster, args=("SLC",), agent_workflow_config=AGENT_CONFIG)
            assert (await forecaster.forecast(1, executor="compute"))["resource"] == "compute"
            (record,) = manager._records.values()
        return manager, record

    manager, record = run(main())
    assert not manager.running() and manager.lost_agents() == []
    assert record.task.done() and record.task.exception() is None, "the task that hosted the agent has returned"


def test_killed_host_fails_the_next_call_naming_agent_and_resource(workflow, agent_workflows_gone):
    async def main():
        async with await AgentRuntime(workflow).manager() as manager:
            forecaster = await manager.launch(Forecaster, args=("DEN",), agent_workflow_config=AGENT_CONFIG)
            return await kill_host_until_lost(manager, forecaster)

    lost, listed = run(main())
    assert lost.agent == "Forecaster" and lost.resource == "local" and listed == [lost]
    assert "agent 'Forecaster'" in str(lost) and "on resource 'local' is lost" in str(lost)
