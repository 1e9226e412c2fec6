"""Errors of chiltepin-agents; each names the agent, its resource or the ``agents.KEY`` at fault."""

from __future__ import annotations

from chiltepin import ChiltepinError


class AgentDefinitionError(ChiltepinError, TypeError):
    """A class or method is not what an agent needs (undecorated class, sync loop, ...)."""


class AgentLaunchError(ChiltepinError, ValueError):
    """An agent cannot be launched as asked (unknown resource, exchange that cannot reach it, ...)."""


class ExchangeUnreachableError(ChiltepinError, ConnectionError):
    """The exchange server does not answer at its address."""


class AgentLostError(ChiltepinError, RuntimeError):
    """An agent stopped answering: its host died (block cancelled, worker killed) or it failed."""

    def __init__(self, message: str, *, agent: str, resource: str | None):
        super().__init__(message)
        self.agent = agent
        self.resource = resource


class AgentStoppedError(AgentLostError):
    """An agent was stopped under its handle: the workflow it ran on stopped, or it shut down."""
