"""chiltepin-agents: long-running, stateful agents on chiltepin resources, through Academy.

``from chiltepin_agents import chiltepin_agent, agent_action, agent_loop, AgentRuntime``. The
package loads Academy on first use, so that chiltepin's plugin loading stays light.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "chiltepin_agent": "decorators", "agent_action": "decorators", "agent_loop": "decorators",
    "AgentRuntime": "runtime", "Manager": "runtime", "AgentHandle": "runtime",
    "AgentDefinitionError": "errors", "AgentLaunchError": "errors", "AgentLostError": "errors",
    "AgentStoppedError": "errors", "ExchangeUnreachableError": "errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'chiltepin_agents' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
