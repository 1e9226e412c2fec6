"""Agents in this process, through Academy's local exchange (real Academy runtime, real workers
for the tasks their actions launch)."""

from __future__ import annotations

import asyncio

import pytest
from chiltepin import Workflow
from chiltepin_agents import AgentDefinitionError, AgentRuntime, agent_action, agent_loop, chiltepin_agent
from weather_agents import Collector, Forecaster, Sensor, WeatherModel, WeatherModelBehaviour

TASKS_CONFIG = {"compute": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1,
                            "environment": ["export FORECAST_RESOURCE=compute"]}}


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=240))


def test_stateful_agent_keeps_state_between_actions_and_runs_its_loop():
    async def main():
        async with await AgentRuntime().manager() as manager:
            model = await manager.launch(WeatherModel, args=(20.0,))
            assert await model.set_temperature(25.0) == 25.0
            assert abs(await model.get_temperature() - 25.0) < 20 * 0.1
            first = await model.steps()
            await asyncio.sleep(0.5)
            assert await model.steps() > first  # the loop ran in between
            return manager

    manager = run(main())
    assert not manager.running()


def test_behaviour_works_without_agent_machinery():
    behaviour = WeatherModelBehaviour(3.0)
    assert asyncio.run(behaviour.get_temperature()) == 3.0
    assert behaviour.set_temperature(4.0) == 4.0


def test_task_actions_run_on_the_resource_named(tmp_path):
    """An in-process agent shares this process's workflow: its task actions run on its resources."""
    with Workflow(TASKS_CONFIG, run_dir=str(tmp_path / "runinfo")):
        async def main():
            async with await AgentRuntime().manager() as manager:
                forecaster = await manager.launch(Forecaster, args=("BOU",))
                result = await forecaster.forecast(6, executor="compute")
                code = await forecaster.archive(str(tmp_path / "out.txt"), executor="compute")
                return result, code

        result, code = run(main())
    assert result["station"] == "BOU" and result["hours"] == 6 and result["resource"] == "compute"
    assert code == 0
    assert (tmp_path / "out.txt").read_text().split() == ["BOU", "compute"]


def test_two_agents_talk_through_the_exchange():
    async def main():
        async with await AgentRuntime().manager() as manager:
            sensors = [await manager.launch(Sensor, args=(r,)) for r in (1.0, 2.0, 6.0)]
            collector = await manager.launch(Collector, args=(sensors,))
            return await collector.mean()

    assert run(main()) == 3.0


def test_undecorated_class_is_refused_before_anything_starts():
    async def main():
        async with await AgentRuntime().manager() as manager:
            with pytest.raises(AgentDefinitionError) as refused:
                await manager.launch(WeatherModelBehaviour, args=(1.0,))
            return manager.running(), str(refused.value)

    assert run(main()) == (set(), "cannot launch 'WeatherModelBehaviour': launch() takes classes decorated with "
                                  "@chiltepin_agent (from chiltepin_agents); decorate it, or use "
                                  "academy.manager.Manager for native Academy agents")


def test_subclass_of_an_agent_must_be_decorated_itself():
    class Derived(WeatherModel):
        pass

    async def main():
        async with await AgentRuntime().manager() as manager:
            await manager.launch(Derived, args=(1.0,))

    with pytest.raises(AgentDefinitionError, match=r"'Derived' subclasses an agent class but is not decorated"):
        run(main())


def test_agent_loop_refuses_a_sync_method():
    with pytest.raises(AgentDefinitionError) as refused:
        class Polling:
            @agent_loop
            def poll(self, shutdown):
                pass
    assert str(refused.value) == ("@agent_loop test_agent_loop_refuses_a_sync_method.<locals>.Polling.poll: a loop "
                                  "must be async; write `async def poll(self, shutdown)` and end it when `shutdown` "
                                  "is set")


def test_chiltepin_agent_takes_a_plain_class():
    from academy.agent import Agent

    def forecast():
        pass

    class Native(Agent):
        pass

    with pytest.raises(AgentDefinitionError) as refused:
        chiltepin_agent(forecast)
    assert str(refused.value) == "@chiltepin_agent decorates a class, got function"
    with pytest.raises(AgentDefinitionError) as refused:
        chiltepin_agent(Native)
    assert str(refused.value) == ("@chiltepin_agent test_chiltepin_agent_takes_a_plain_class.<locals>.Native: the "
                                  "class already is an Academy Agent; decorate a plain class (its base classes may "
                                  "hold the actions)")


def test_academy_decorators_are_named():
    from academy.agent import action

    with pytest.raises(AgentDefinitionError, match=r"Mixed\.probe: uses Academy's @action; use .*@agent_action"):
        @chiltepin_agent
        class Mixed:
            @action
            async def probe(self):
                return 1


def test_action_errors_reach_the_caller():
    @chiltepin_agent
    class Failing:
        @agent_action
        def divide(self, a, b):
            return a / b

    async def main():
        async with await AgentRuntime().manager() as manager:
            failing = await manager.launch(Failing)
            with pytest.raises(ZeroDivisionError):
                await failing.divide(1, 0)
            return await failing.divide(6, 3)

    assert run(main()) == 2
