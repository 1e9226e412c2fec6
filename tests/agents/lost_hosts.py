"""The lost-host check the agents tests share: kill an agent's host, then call it until a call fails."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import pytest
from chiltepin_agents import AgentLostError


async def kill_host_until_lost(manager: Any, agent: Any) -> tuple[AgentLostError, list[Any]]:
    """SIGKILL the worker hosting ``agent`` (its ``host()`` action returns the PID); calls succeed
    until the manager notices, then every call fails. Returns the first failure and the manager's
    lost agents."""
    os.kill(await agent.host(), signal.SIGKILL)
    with pytest.raises(AgentLostError) as lost:
        while True:
            await agent.host()
            await asyncio.sleep(0.2)
    with pytest.raises(AgentLostError):
        await agent.host()
    return lost.value, manager.lost_agents()
