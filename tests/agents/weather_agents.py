"""The agents of the documentation's "Agents" page (docs/agents.rst includes them); tests/agents runs them."""

from __future__ import annotations

import asyncio
import os
import random

from chiltepin.tasks import bash_task, python_task
from chiltepin_agents import agent_action, agent_loop, chiltepin_agent


# [stateful]
class WeatherModelBehaviour:
    """A model whose temperature drifts in the background; actions read and set it."""

    def __init__(self, temperature: float):
        self.temperature = temperature
        self.drift_steps = 0

    @agent_action
    async def get_temperature(self) -> float:
        return self.temperature

    @agent_action
    def set_temperature(self, value: float) -> float:  # a sync action runs in a thread of the agent
        self.temperature = value
        return self.temperature

    @agent_action
    async def steps(self) -> int:
        return self.drift_steps

    @agent_loop
    async def drift(self, shutdown: asyncio.Event) -> None:
        while not shutdown.is_set():
            await asyncio.sleep(0.1)
            self.temperature += random.uniform(-0.1, 0.1)
            self.drift_steps += 1


@chiltepin_agent
class WeatherModel(WeatherModelBehaviour):
    """The behaviour, deployable as an agent."""
# [/stateful]


# [tasks]
@chiltepin_agent(agent_workflow_include=["compute"])
class Forecaster:
    """An agent whose actions are tasks: they run on the resources of the agent's own workflow."""

    def __init__(self, station: str):
        self.station = station

    @python_task  # the task decorator outside ...
    @agent_action
    def forecast(self, hours: int) -> dict:
        import os

        return {"station": self.station, "hours": hours, "pid": os.getpid(),
                "resource": os.environ.get("FORECAST_RESOURCE")}

    @agent_action  # ... or inside: both orders work
    @bash_task
    def archive(self, path: str) -> str:
        return f"echo {self.station} $FORECAST_RESOURCE > {path}"

    @agent_action
    async def host(self) -> int:
        return os.getpid()
# [/tasks]


# [talking]
@chiltepin_agent
class Sensor:
    """Holds one reading."""

    def __init__(self, reading: float):
        self.reading = reading

    @agent_action
    async def read(self) -> float:
        return self.reading


@chiltepin_agent
class Collector:
    """Asks other agents, through the exchange, for their readings."""

    def __init__(self, sensors: list):
        self.sensors = sensors  # handles of other agents

    @agent_action
    async def mean(self) -> float:
        readings = await asyncio.gather(*(sensor.read() for sensor in self.sensors))
        return sum(readings) / len(readings)
# [/talking]
