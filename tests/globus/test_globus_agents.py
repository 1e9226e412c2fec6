"""An agent hosted on a Globus Compute resource: chiltepin workflow -> real Parsl
GlobusComputeExecutor -> real globus_compute_sdk -> loopback stand-in of the Compute web service
-> a real endpoint engine (ProcessPoolEngine), which runs the agent; the agent talks through a real
Redis exchange (redis-server on 127.0.0.1) and starts its own workflow where the endpoint runs it.
The stand-in replaces only the Globus cloud, which cannot exist offline."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("chiltepin_globus", reason="chiltepin-globus is not installed (pip install -e ./chiltepin-globus)")
pytest.importorskip("chiltepin_agents", reason="chiltepin-agents is not installed (make venv installs it)")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agents"))  # the docs page's agents, the lost-host check

from chiltepin import Workflow  # noqa: E402
from chiltepin_agents import AgentRuntime  # noqa: E402
from globus_compute_service import KNOWN_ENDPOINT  # noqa: E402
from lost_hosts import kill_host_until_lost  # noqa: E402
from weather_agents import Forecaster  # noqa: E402

pytestmark = pytest.mark.globus

AGENT_CONFIG = {"local": {"provider": "localhost", "init_blocks": 0, "max_blocks": 1},  # unused: no block
                "compute": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1, "max_workers_per_node": 1,
                            "environment": ["export FORECAST_RESOURCE=compute"]}}


@pytest.fixture
def compute(compute_service, stored_tokens, monkeypatch):
    monkeypatch.setenv("GLOBUS_SDK_ENVIRONMENT", "local")
    compute_service.submissions.clear()
    return compute_service


def test_agent_on_a_globus_compute_endpoint(compute, redis_address, tmp_path):
    config = {"remote": {"endpoint": KNOWN_ENDPOINT, "provider": "localhost"},
              "agents": {"exchange": "redis", "address": redis_address, "resource": "remote", "heartbeat": 2}}
    with Workflow(config, include=["remote"], run_dir=str(tmp_path / "runinfo")) as workflow:
        async def main():
            async with await AgentRuntime(workflow).manager() as manager:
                forecaster = await manager.launch(Forecaster, args=("BOU",), agent_workflow_config=AGENT_CONFIG)
                host = await forecaster.host()
                result = await forecaster.forecast(12, executor="compute")
                return host, result

        host, result = asyncio.run(asyncio.wait_for(main(), timeout=280))
    assert host != os.getpid()
    assert result["station"] == "BOU" and result["resource"] == "compute" and result["pid"] != host
    assert any(s["endpoint"] == KNOWN_ENDPOINT for s in compute.submissions), "the agent did not go through Compute"


def test_lost_host_on_globus_fails_the_next_call(compute, redis_address, tmp_path):
    """The endpoint worker hosting the agent is killed: the handle's next calls fail naming the
    agent and the resource (the manager hears of it from the failed Compute task or the missed
    heartbeats, whichever comes first)."""
    config = {"remote": {"endpoint": KNOWN_ENDPOINT, "provider": "localhost"},
              "agents": {"exchange": "redis", "address": redis_address, "resource": "remote", "heartbeat": 1}}
    try:
        with Workflow(config, include=["remote"], run_dir=str(tmp_path / "runinfo")) as workflow:
            async def main():
                async with await AgentRuntime(workflow).manager() as manager:
                    forecaster = await manager.launch(Forecaster, args=("OAX",), agent_workflow_config=AGENT_CONFIG)
                    return await kill_host_until_lost(manager, forecaster)

            lost, listed = asyncio.run(asyncio.wait_for(main(), timeout=280))
    finally:
        compute.restart_engine()
    assert lost.agent == "Forecaster" and lost.resource == "remote" and listed == [lost]
    assert "agent 'Forecaster'" in str(lost) and "on resource 'remote' is lost" in str(lost)
