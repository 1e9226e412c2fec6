"""The ``agents:`` block and launch() mistakes: one clear error each, before anything starts."""

from __future__ import annotations

import asyncio
import re
import socket

import pytest
from chiltepin import ConfigError, Workflow
from chiltepin.config import load_document
from chiltepin_agents import AgentLaunchError, AgentRuntime, ExchangeUnreachableError
from hypothesis import given, settings
from hypothesis import strategies as st
from weather_agents import Forecaster, WeatherModel


def test_agents_block_is_read_and_checked():
    document = load_document({"agents": {"exchange": "redis", "address": "127.0.0.1:6379", "heartbeat": 2}})
    assert document.blocks["agents"] == {"exchange": "redis", "address": "127.0.0.1:6379", "resource": None,
                                         "heartbeat": 2.0}
    assert "agents" not in document.resources


@pytest.mark.parametrize(("block", "message"), [
    ({"exchang": "redis"}, r"agents\.exchang: unknown key \(did you mean 'exchange'\?\)"),
    ({"exchange": "cloud"}, r"agents\.exchange: .*'cloud'.*local, redis"),
    ({"heartbeat": 0}, r"agents\.heartbeat: must be greater than 0"),
    ({"address": "localhost"}, r"agents\.address: 'localhost' is not HOST:PORT"),
])
def test_bad_agents_block_names_the_key(block, message):
    with pytest.raises(ConfigError, match=message):
        load_document({"agents": block})


def test_redis_exchange_needs_an_address():
    with pytest.raises(ConfigError, match=r"agents\.address: required by exchange 'redis'"):
        AgentRuntime(exchange="redis")


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
def test_every_unknown_key_is_named(key):
    if key in ("exchange", "address", "resource", "heartbeat"):
        return
    with pytest.raises(ConfigError, match=rf"agents\.{key}: unknown key"):
        load_document({"agents": {key: 1}})


def test_python_options_override_the_file_and_are_checked_the_same_way():
    with pytest.raises(ConfigError, match=r"agents\.exchange: .*'redys'"):
        AgentRuntime(exchange="redys")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_exchange_is_one_clear_error():
    address = f"127.0.0.1:{_closed_port()}"
    runtime = AgentRuntime(exchange="redis", address=address)
    with pytest.raises(ExchangeUnreachableError) as unreachable:
        asyncio.run(runtime.manager())
    assert re.fullmatch(rf"agents\.address: the Redis exchange at {re.escape(address)} does not answer \(.*Connection "
                        r"refused\.\); start redis-server there \(bound to an address every agent host reaches\) or "
                        r"correct agents\.address", str(unreachable.value))


def test_unknown_resource_for_the_agent_is_named(redis_address, tmp_path):
    with Workflow({"agents": {"exchange": "redis", "address": redis_address}}, run_dir=str(tmp_path)) as workflow:
        async def main():
            async with await AgentRuntime(workflow).manager() as manager:
                with pytest.raises(AgentLaunchError) as refused:
                    await manager.launch(WeatherModel, args=(1.0,), executor="locl")
                return manager.running(), str(refused.value)

        assert asyncio.run(main()) == (set(), "agent 'WeatherModel': unknown resource 'locl' (did you mean 'local'?); "
                                              "resources that may host agents: local (or executor=None for this "
                                              "process)")


def test_unknown_resource_in_agents_block_is_named(tmp_path):
    config = {"agents": {"exchange": "redis", "address": "127.0.0.1:1", "resource": "hosts"}}
    with Workflow(config, run_dir=str(tmp_path)) as workflow:
        with pytest.raises(AgentLaunchError) as refused:
            AgentRuntime(workflow)
    assert str(refused.value) == ("agents.resource / executor_names: unknown resource 'hosts'; resources that may "
                                  "host agents: local")


def test_local_exchange_cannot_reach_workers(tmp_path):
    with Workflow(None, run_dir=str(tmp_path)) as workflow:
        async def main():
            async with await AgentRuntime(workflow).manager() as manager:
                await manager.launch(WeatherModel, args=(1.0,), executor="local")

        with pytest.raises(AgentLaunchError, match=r"agent 'WeatherModel' on resource 'local': the 'local' exchange "
                                                   r"reaches agents in this process only"):
            asyncio.run(main())


def test_agent_workflow_config_mistakes_show_at_launch():
    async def main():
        async with await AgentRuntime().manager() as manager:
            with pytest.raises(ConfigError, match=r"compute\.init_blokcs"):
                await manager.launch(Forecaster, args=("X",), agent_workflow_config={
                    "compute": {"provider": "localhost", "init_blokcs": 1}}, agent_workflow_include=["compute"])
            with pytest.raises(AgentLaunchError, match=r"agent_workflow_include names 'compute'"):
                await manager.launch(Forecaster, args=("X",), agent_workflow_config={"gpu": {}})
            return manager.running()

    assert asyncio.run(main()) == set()
