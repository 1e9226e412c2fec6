"""Agents stop with the workflow they run on, however it stops: the end of its ``with`` block, an
exception leaving it, ``cleanup()`` (from the agents' thread or another), SIGTERM. Afterwards a
call through the handle fails naming the agent, and nothing is left running: no process, no
thread, no Redis client (real Academy runtime, real workers, real redis-server)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
from chiltepin import Workflow, active_workflow
from chiltepin_agents import AgentRuntime, AgentStoppedError
from weather_agents import Forecaster, WeatherModel

#: A workflow of one resource, for in-process agents; the agent's tasks run there.
LOCAL = {"local": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1, "max_workers_per_node": 1}}
#: A hosted agent's own workflow: tasks on 'compute' (the always-loaded 'local' starts no block).
TASKS = {"local": {"provider": "localhost", "init_blocks": 0, "max_blocks": 1},
         "compute": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1,
                     "environment": ["export FORECAST_RESOURCE=compute"]}}
HOSTS = {"local": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1, "max_workers_per_node": 4,
                   "cores_per_worker": 0.1}}
DRIVER = Path(__file__).with_name("lifecycle_driver.py")


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=240))


def threads() -> set[threading.Thread]:
    """Live threads, but for the one globus-compute-sdk starts on import to live with the interpreter."""
    return {t for t in threading.enumerate()
            if not getattr(getattr(t, "_target", None), "__module__", "").startswith("globus_compute_sdk")}


def wait_for_threads(before: set[threading.Thread], timeout: float = 30) -> list[str]:
    """Names of the threads started since ``before`` still alive after waiting up to ``timeout``."""
    deadline = time.monotonic() + timeout
    while (left := [t.name for t in threads() - before if t.is_alive()]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


async def until_stopped(handle, action: str) -> AgentStoppedError:
    """Call ``action`` until it fails (bounded by run()'s timeout); the failure must be a stop."""
    while True:
        try:
            await getattr(handle, action)()
        except AgentStoppedError as stopped:
            return stopped
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("how", ["end of block", "exception", "cleanup from another thread"])
def test_in_process_agents_stop_with_the_process_workflow(how, tmp_path, nothing_left):
    before = threads()

    async def main():
        async with await AgentRuntime().manager() as manager:
            try:
                with Workflow(LOCAL, run_dir=str(tmp_path / "runinfo")) as workflow:
                    forecaster = await manager.launch(Forecaster, args=("BOU",), agent_workflow_include=["local"])
                    model = await manager.launch(WeatherModel, args=(10.0,))
                    assert (await forecaster.forecast(1, executor="local"))["station"] == "BOU"
                    assert await model.get_temperature() < 20
                    if how == "exception":
                        raise KeyError("leaves the block")
                    if how == "cleanup from another thread":
                        stopper = threading.Thread(target=workflow.cleanup)
                        stopper.start()
                        await asyncio.to_thread(stopper.join)
            except KeyError:
                pass
            assert active_workflow() is None
            with pytest.raises(AgentStoppedError) as stopped:
                await forecaster.host()
            await until_stopped(model, "steps")
            while manager.running():  # the agents' runtimes end (their loops too)
                await asyncio.sleep(0.05)
            return stopped.value, manager.lost_agents()

    stopped, lost = run(main())
    assert stopped.agent == "Forecaster" and stopped.resource is None
    assert str(stopped).startswith("agent 'Forecaster' (") and "in this process has stopped: the workflow it ran " \
                                                                "on (run " in str(stopped)
    assert lost == [], "an agent stopped with its workflow is not lost"
    assert not wait_for_threads(before)


def test_agent_stops_when_its_own_workflow_is_cleaned_up_under_it(tmp_path, nothing_left):
    """An in-process agent launched without a running workflow starts one; stopping it stops the agent."""
    async def main():
        async with await AgentRuntime().manager() as manager:
            model = await manager.launch(WeatherModel, args=(3.0,), agent_workflow_run_dir=str(tmp_path / "own"))
            await model.get_temperature()
            active_workflow().cleanup()  # in the agents' own thread, as a task of the loop might
            return await until_stopped(model, "get_temperature")

    stopped = run(main())
    assert "agent 'WeatherModel'" in str(stopped) and "has stopped: the workflow it ran on" in str(stopped)


def redis_clients(address: str) -> int:
    host, port = address.rsplit(":", 1)
    client = redis.Redis(host=host, port=int(port))
    try:
        return len(client.client_list()) - 1  # not this one
    finally:
        client.close()


def test_hosted_agent_shuts_down_before_its_hosting_workflow_stops(redis_address, tmp_path, nothing_left):
    """Stopping the hosting workflow first asks its agents to shut down: each cleans up its own
    workflow and its task returns; then a call through the handle fails naming the agent."""
    clients, before = redis_clients(redis_address), threads()
    config = {**HOSTS, "agents": {"exchange": "redis", "address": redis_address, "resource": "local",
                                  "heartbeat": 1}}

    async def main():
        async with await AgentRuntime(Workflow(config, run_dir=str(tmp_path / "runinfo")).start()).manager() as \
                manager:
            workflow = manager._runtime.workflow
            forecaster = await manager.launch(Forecaster, args=("SLC",), agent_workflow_config=TASKS)
            assert (await forecaster.forecast(1, executor="compute"))["resource"] == "compute"
            (record,) = manager._records.values()
            workflow.cleanup()  # in the manager's own thread
            assert record.task.done() and record.task.exception() is None, "its task returned: it shut down"
            with pytest.raises(AgentStoppedError) as stopped:
                await forecaster.host()
            return stopped.value

    stopped = run(main())
    assert stopped.resource == "local"
    assert "agent 'Forecaster'" in str(stopped) and "on resource 'local' has stopped: the workflow hosting it" \
                                                     in str(stopped)
    assert not wait_for_threads(before)
    deadline = time.monotonic() + 10
    while redis_clients(redis_address) > clients and time.monotonic() < deadline:
        time.sleep(0.1)
    assert redis_clients(redis_address) == clients, "a Redis client of the agents is still connected"


def test_sigterm_stops_every_agent_and_leaves_nothing(redis_address, tmp_path, nothing_left):
    """SIGTERM to a workflow process with a hosted and an in-process agent: it exits 128 + 15 and
    nothing of it (workers, the agents' workflows, Redis clients) is left."""
    clients = redis_clients(redis_address)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(DRIVER.parent), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, str(DRIVER), redis_address, str(tmp_path / "runinfo")], env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 128 + signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 10
    while redis_clients(redis_address) > clients and time.monotonic() < deadline:
        time.sleep(0.1)
    assert redis_clients(redis_address) == clients

