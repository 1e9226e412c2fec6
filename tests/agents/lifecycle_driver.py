"""A workflow process with agents for the lifecycle tests: ``python lifecycle_driver.py REDIS RUN_DIR``.

It hosts a Forecaster (with a workflow of its own) on its ``local`` workers and runs a WeatherModel
in this process, prints ``ready`` once both answer, then waits to be signalled.
"""

import asyncio
import sys

from chiltepin import Workflow
from chiltepin_agents import AgentRuntime
from weather_agents import Forecaster, WeatherModel

HOSTS = {"local": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1, "max_workers_per_node": 4,
                   "cores_per_worker": 0.1}}
TASKS = {"local": {"provider": "localhost", "init_blocks": 0, "max_blocks": 1},
         "compute": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1}}


async def main(workflow):
    async with await AgentRuntime(workflow).manager() as manager:
        forecaster = await manager.launch(Forecaster, args=("BOU",), agent_workflow_config=TASKS,
                                          executor="local")
        model = await manager.launch(WeatherModel, args=(1.0,))
        await forecaster.forecast(1, executor="compute")
        await model.get_temperature()
        print("ready", flush=True)
        await asyncio.sleep(3600)


address, run_dir = sys.argv[1], sys.argv[2]
config = {**HOSTS, "agents": {"exchange": "redis", "address": address, "heartbeat": 1}}
with Workflow(config, run_dir=run_dir) as workflow:
    asyncio.run(main(workflow))
