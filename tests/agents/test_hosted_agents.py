"""Agents on the workers of a local HTEX resource, talking through a real Redis exchange
(redis-server on 127.0.0.1); each agent starts its own workflow on its worker."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from chiltepin import Workflow
from chiltepin_agents import AgentLostError, AgentRuntime
from weather_agents import Collector, Forecaster, Sensor, WeatherModel

#: The workflow that hosts agents: one block of workers on this machine.
HOSTS = {"local": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1, "max_workers_per_node": 6,
                   "cores_per_worker": 0.1}}  # an agent holds a worker while it lives, mostly idle
#: Each agent's own workflow: its tasks run on 'compute', whose workers say so in their environment.
AGENT_CONFIG = {"compute": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1, "max_workers_per_node": 1,
                            "environment": ["export FORECAST_RESOURCE=compute"]}}


def hosting(redis_address: str, run_dir) -> Workflow:
    return Workflow({**HOSTS, "agents": {"exchange": "redis", "address": redis_address, "resource": "local",
                                         "heartbeat": 2}}, run_dir=str(run_dir))


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=280))


def test_examples_on_local_workers(redis_address, tmp_path, nothing_left):
    with hosting(redis_address, tmp_path / "runinfo") as workflow:
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
    agent_dirs = list((tmp_path / "runinfo").glob("*/agents/Forecaster-*"))
    assert len(agent_dirs) == 1, "the agent's workflow runs in its own directory under the run"


def test_killed_host_fails_the_next_call_naming_agent_and_resource(redis_address, tmp_path, nothing_left):
    with hosting(redis_address, tmp_path / "runinfo") as workflow:
        async def main():
            async with await AgentRuntime(workflow).manager() as manager:
                forecaster = await manager.launch(Forecaster, args=("DEN",), agent_workflow_config=AGENT_CONFIG)
                host = await forecaster.host()
                os.kill(host, signal.SIGKILL)
                with pytest.raises(AgentLostError) as lost:
                    while True:  # calls succeed until the manager notices; then every call fails
                        await forecaster.host()
                        await asyncio.sleep(0.2)
                with pytest.raises(AgentLostError):
                    await forecaster.host()
                return lost.value

        lost = run(main())
    assert lost.agent == "Forecaster" and lost.resource == "local"
    assert "agent 'Forecaster'" in str(lost) and "on resource 'local' is lost" in str(lost)


def test_agents_stop_with_their_manager(redis_address, tmp_path, nothing_left):
    with hosting(redis_address, tmp_path / "runinfo") as workflow:
        async def main():
            async with await AgentRuntime(workflow).manager() as manager:
                forecaster = await manager.launch(Forecaster, args=("SLC",), agent_workflow_config=AGENT_CONFIG)
                assert (await forecaster.forecast(1, executor="compute"))["resource"] == "compute"
            return manager

        manager = run(main())
        assert not manager.running() and manager.lost_agents() == []
        workflow.wait_for_current_tasks()  # the task that hosted the agent has returned

