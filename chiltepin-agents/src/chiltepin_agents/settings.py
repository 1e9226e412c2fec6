"""The ``agents:`` block: which exchange agents talk through and where they run by default.

Settable in the configuration file and per :class:`~chiltepin_agents.AgentRuntime` (Python wins),
checked by the same declarations either way, so a mistake names ``agents.KEY``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chiltepin import ConfigError
from chiltepin.errors import did_you_mean
from chiltepin.plugins import Choice, Float, Setting, Str
from chiltepin.settings import check_values

#: Exchanges: ``local`` passes messages inside one process; ``redis`` goes through a Redis server
#: that the manager and every agent's host can reach.
EXCHANGES = ("local", "redis")
#: Missed heartbeats after which an agent whose host stopped answering is reported lost.
MISSED_HEARTBEATS = 3

AGENT_SETTINGS: tuple[Setting, ...] = (
    Setting("exchange", Choice(EXCHANGES), "local",
            "Exchange agents talk through: 'local' (agents in this process only) or 'redis' (agents on "
            "workers, reached through the Redis server at 'address')."),
    Setting("address", Str(r"[^\s:/]+:\d{1,5}", "HOST:PORT"), None,
            "Redis server of the 'redis' exchange; the manager and every host of an agent must reach it."),
    Setting("resource", Str(), None,
            "Resource whose workers host agents when launch() names none; unset: agents run in this process."),
    Setting("heartbeat", Float(above=0), 5.0,
            f"Seconds between an agent's liveness beats; an agent silent for {MISSED_HEARTBEATS} beats is lost."),
)


@dataclass(frozen=True)
class AgentOptions:
    """The checked ``agents:`` options of one runtime."""

    exchange: str
    address: str | None
    resource: str | None
    heartbeat: float

    @property
    def networked(self) -> bool:
        return self.exchange != "local"

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = (self.address or "").rpartition(":")
        return host, int(port)


def resolve_agent_options(from_file: Mapping[str, Any], from_python: Mapping[str, Any]) -> AgentOptions:
    """Merge the file's ``agents:`` block with Python's keywords (Python wins) and check them."""
    claims = {s.name: s for s in AGENT_SETTINGS}
    merged = {**from_file, **{k: v for k, v in from_python.items() if v is not None}}
    options, problems = check_values(
        "agents", merged, claims, owner="the 'agents' block",
        unknown=lambda key: f"agents.{key}: unknown key{did_you_mean(key, claims)}; keys: {', '.join(claims)}")
    if options["exchange"] == "redis" and not options["address"]:
        problems.append("agents.address: required by exchange 'redis' (HOST:PORT of the Redis server)")
    if options["exchange"] == "local" and options["address"]:
        problems.append("agents.address: only the 'redis' exchange has an address; set agents.exchange: redis")
    if problems:
        raise ConfigError(problems)
    return AgentOptions(**options)
